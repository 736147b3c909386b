import { randomBytes } from 'node:crypto';
import { createUser, TestUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { expectErrorBody, expectNoSecrets } from './helpers/http-assertions';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const PUBLIC_KEYS = ['avatarUrl', 'id', 'lastSeenAt', 'name', 'online'];

describe('Users (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  describe('GET /api/v1/users/me', () => {
    it('answers 200 with the complete User', async () => {
      const user = await createUser(t);
      const response = await t.http().get('/api/v1/users/me').set(user.auth).expect(200);
      expect(response.body).toEqual({ id: user.id, name: user.name, email: user.email, avatarUrl: null, online: false, lastSeenAt: null, createdAt: expect.stringMatching(ISO) });
      expectNoSecrets(response, [user.password]);
    });

    it('answers 401 without a token', async () => {
      expectErrorBody(await t.http().get('/api/v1/users/me'), 401);
    });
  });

  describe('PATCH /api/v1/users/me', () => {
    let user: TestUser;
    beforeEach(async () => {
      user = await createUser(t);
    });
    const patch = (body: unknown) =>
      t
        .http()
        .patch('/api/v1/users/me')
        .set(user.auth)
        .send(body as object);

    it('trims the name, sets an http(s) avatar, and both show in /me and to others', async () => {
      const response = await patch({ name: '  Renamed User  ', avatarUrl: 'https://cdn.example.com/a/avatar.png?size=64' }).expect(200);
      expect(response.body).toEqual({
        id: user.id,
        name: 'Renamed User',
        email: user.email,
        avatarUrl: 'https://cdn.example.com/a/avatar.png?size=64',
        online: false,
        lastSeenAt: null,
        createdAt: expect.stringMatching(ISO),
      });
      expectNoSecrets(response);
      const me = await t.http().get('/api/v1/users/me').set(user.auth).expect(200);
      expect(me.body).toEqual(response.body);
      const other = await createUser(t);
      const seen = await t.http().get(`/api/v1/users/${user.id}`).set(other.auth).expect(200);
      expect(seen.body).toMatchObject({ name: 'Renamed User', avatarUrl: 'https://cdn.example.com/a/avatar.png?size=64' });
    });

    it('accepts plain http and clears the avatar with null', async () => {
      await patch({ avatarUrl: 'http://images.example.org/me.jpg' }).expect(200);
      const cleared = await patch({ avatarUrl: null }).expect(200);
      expect(cleared.body.avatarUrl).toBeNull();
      expect((await t.http().get('/api/v1/users/me').set(user.auth)).body.avatarUrl).toBeNull();
    });

    it('leaves the profile unchanged for an empty body', async () => {
      await patch({ name: 'Kept Name' }).expect(200);
      const response = await patch({}).expect(200);
      expect(response.body).toMatchObject({ name: 'Kept Name', email: user.email });
    });

    it.each<[string, Record<string, unknown>, RegExp]>([
      ['an e-mail change (unknown field)', { email: 'hijack@example.test' }, /property email should not exist/],
      ['a password field', { password: 'new password 123' }, /property password should not exist/],
      ['an unknown field', { role: 'admin' }, /property role should not exist/],
      ['a name empty after trim', { name: '   ' }, /name must be longer than or equal to 1/],
      ['a 65-character name', { name: 'n'.repeat(65) }, /name must be shorter than or equal to 64/],
      ['a numeric name', { name: 42 }, /name must be a string/],
      ['a null name', { name: null }, /name must be a string/],
      ['an avatar that is not a URL', { avatarUrl: 'not a url' }, /avatarUrl must be a URL/],
      ['a javascript: avatar', { avatarUrl: 'javascript:alert(1)' }, /avatarUrl must be a URL/],
      ['an ftp avatar', { avatarUrl: 'ftp://example.com/a.png' }, /avatarUrl must be a URL/],
      ['an avatar without protocol', { avatarUrl: 'example.com/a.png' }, /avatarUrl must be a URL/],
      ['an operator object as avatar', { avatarUrl: { $set: 'x' } }, /avatarUrl must be a string/],
    ])('answers 400 for %s and changes nothing', async (_case, body, message) => {
      expectErrorBody(await patch(body), 400, message);
      const me = await t.http().get('/api/v1/users/me').set(user.auth).expect(200);
      expect(me.body).toMatchObject({ name: user.name, email: user.email, avatarUrl: null });
    });

    it('answers 400 for malformed JSON and 401 without a token', async () => {
      const malformed = await t.http().patch('/api/v1/users/me').set(user.auth).set('Content-Type', 'application/json').send('{"name":');
      expectErrorBody(malformed, 400, 'Request body is not valid JSON');
      expectErrorBody(await t.http().patch('/api/v1/users/me').send({ name: 'x' }), 401);
    });
  });

  describe('GET /api/v1/users/:id', () => {
    it('answers 200 with the PublicUser only (no e-mail, no private fields)', async () => {
      const [viewer, target] = [await createUser(t), await createUser(t)];
      const response = await t.http().get(`/api/v1/users/${target.id}`).set(viewer.auth).expect(200);
      expect(response.body).toEqual({ id: target.id, name: target.name, avatarUrl: null, online: false, lastSeenAt: null });
      expect(Object.keys(response.body).sort()).toEqual(PUBLIC_KEYS);
      expect(response.text).not.toContain(target.email);
      expectNoSecrets(response, [target.password]);
    });

    it('answers 404 for a well-formed id of nobody', async () => {
      const viewer = await createUser(t);
      expectErrorBody(
        await t
          .http()
          .get(`/api/v1/users/${randomBytes(12).toString('hex')}`)
          .set(viewer.auth),
        404,
      );
    });

    it.each(['abc', 'z'.repeat(24), 'a'.repeat(25), '%24ne', '1234'])('answers 400 for the malformed id %s', async (id) => {
      const viewer = await createUser(t);
      expectErrorBody(await t.http().get(`/api/v1/users/${id}`).set(viewer.auth), 400);
    });

    it('answers 401 without a token', async () => {
      const target = await createUser(t);
      expectErrorBody(await t.http().get(`/api/v1/users/${target.id}`), 401);
    });
  });

  describe('GET /api/v1/users?q=', () => {
    // A prefix of its own keeps this block's users apart from the rest of the file's.
    const tag = `Qz${randomBytes(3).toString('hex')}`;
    let caller: TestUser;
    let alice: TestUser;
    let alina: TestUser;
    let bob: TestUser;
    let hidden: TestUser;
    let star: TestUser;

    beforeAll(async () => {
      caller = await createUser(t, { name: `${tag} Carol` });
      alice = await createUser(t, { name: `${tag}Alice Anders` });
      alina = await createUser(t, { name: `${tag.toUpperCase()}ALINA` });
      bob = await createUser(t, { name: `${tag}Bob` });
      hidden = await createUser(t, { name: 'Zed Hidden', email: `zed.${tag.toLowerCase()}@example.test` });
      star = await createUser(t, { name: `.*${tag} Star` });
    });

    const search = (query: string, as: TestUser = caller) => t.http().get(`/api/v1/users?${query}`).set(as.auth);
    const ids = (body: { id: string }[]) => body.map((user) => user.id).sort();

    it('matches a name prefix case-insensitively and answers PublicUsers', async () => {
      const response = await search(`q=${encodeURIComponent(`${tag.toLowerCase()}al`)}`).expect(200);
      expect(ids(response.body)).toEqual([alice.id, alina.id].sort());
      for (const user of response.body) expect(Object.keys(user).sort()).toEqual(PUBLIC_KEYS);
      expectNoSecrets(response);
      expect(response.text).not.toContain('@example.test');

      const upper = await search(`q=${encodeURIComponent(`${tag.toUpperCase()}AL`)}`).expect(200);
      expect(ids(upper.body)).toEqual([alice.id, alina.id].sort());
    });

    it('matches the start of the name only, not a substring', async () => {
      expect((await search('q=lice%20Anders').expect(200)).body).toEqual([]);
    });

    it('matches an exact e-mail in any case, but not part of one', async () => {
      const exact = await search(`q=${encodeURIComponent(hidden.email.toUpperCase())}`).expect(200);
      expect(exact.body).toEqual([{ id: hidden.id, name: 'Zed Hidden', avatarUrl: null, online: false, lastSeenAt: null }]);
      expect((await search(`q=${encodeURIComponent(`zed.${tag.toLowerCase()}`)}`).expect(200)).body).toEqual([]);
      expect((await search(`q=${encodeURIComponent(hidden.email.slice(0, -1))}`).expect(200)).body).toEqual([]);
    });

    it('treats regular-expression characters literally', async () => {
      const dotStar = await search(`q=${encodeURIComponent('.*')}`).expect(200);
      expect(ids(dotStar.body)).toEqual([star.id]);
      // Read as a pattern, "." would match every name; read literally, only the one that starts with a dot.
      expect(ids((await search(`q=${encodeURIComponent('.')}`).expect(200)).body)).toEqual([star.id]);
      for (const text of ['^', '(', '[', '\\', '$', '|', '?', `${tag}.`, `${tag}+`, `${tag}|.*`]) {
        const response = await search(`q=${encodeURIComponent(text)}`);
        expect({ text, status: response.status, body: response.body }).toEqual({ text, status: 200, body: [] });
      }
    });

    it('never lists the caller', async () => {
      const byName = await search(`q=${encodeURIComponent(tag)}`).expect(200);
      expect(ids(byName.body)).toEqual([alice.id, alina.id, bob.id].sort());
      expect((await search(`q=${encodeURIComponent(caller.email)}`).expect(200)).body).toEqual([]);
      // Seen from Bob, Carol is found and Bob is not.
      const fromBob = await search(`q=${encodeURIComponent(tag)}`, bob).expect(200);
      expect(ids(fromBob.body)).toEqual([caller.id, alice.id, alina.id].sort());
    });

    it('honours limit within 1..50', async () => {
      expect((await search(`q=${tag}&limit=1`).expect(200)).body).toHaveLength(1);
      expect((await search(`q=${tag}&limit=50`).expect(200)).body).toHaveLength(3);
      for (const limit of ['0', '51', '-1', '2.5', 'abc', '']) {
        expectErrorBody(await search(`q=${tag}&limit=${limit}`), 400, /limit/);
      }
    });

    it.each([
      ['a missing q', 'limit=5'],
      ['an empty q', 'q='],
      ['a blank q', 'q=%20%20%20'],
      ['a 101-character q', `q=${'a'.repeat(101)}`],
      ['q as an operator object', 'q[$ne]=x'],
      ['q as a regex operator', 'q[$regex]=.*'],
      ['q as an array', 'q=a&q=b'],
      ['q as an indexed array', 'q[0]=a'],
      ['an unknown parameter', `q=${'a'}&sort=name`],
    ])('answers 400 for %s', async (_case, query) => {
      expectErrorBody(await search(query), 400);
    });

    it('answers 401 without a token', async () => {
      expectErrorBody(await t.http().get(`/api/v1/users?q=${tag}`), 401);
    });
  });
});
