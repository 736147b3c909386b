import { createTestApp, TestApp } from './helpers/app';
import { createUsers } from './factories/user.factory';
import { createGroup, expectError, getConversation } from './helpers/messaging';

// Configuration is read once per file: this file runs with a group cap of 3 members.
describe('Group size cap (e2e, GROUP_MAX_MEMBERS=3)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ GROUP_MAX_MEMBERS: '3' });
  });
  afterAll(async () => {
    await t.close();
  });

  const users = (n: number) => createUsers(t, n);

  it('creates a group of exactly the cap, and refuses one over it (400, nothing created)', async () => {
    const [a, b, c, d] = await users(4);
    expectError(
      await t
        .http()
        .post('/api/v1/conversations')
        .set(a.auth)
        .send({ type: 'group', title: 'Big', memberIds: [b.id, c.id, d.id] }),
      400,
    );
    expect((await t.http().get('/api/v1/conversations').set(b.auth)).body.items).toEqual([]);
    const full = await createGroup(t, a, [b, c]);
    expect(full.members).toHaveLength(3);
  });

  it('refuses adding members over the cap (400) and keeps the members; adding up to the cap works', async () => {
    const [a, b, c, d] = await users(4);
    const group = await createGroup(t, a, [b]);
    expectError(
      await t
        .http()
        .post(`/api/v1/conversations/${group.id}/members`)
        .set(a.auth)
        .send({ userIds: [c.id, d.id] }),
      400,
    );
    expect((await getConversation(t, a, group.id)).members).toHaveLength(2);
    const added = await t
      .http()
      .post(`/api/v1/conversations/${group.id}/members`)
      .set(a.auth)
      .send({ userIds: [c.id] });
    expect(added.status).toBe(200);
    expect(added.body.members).toHaveLength(3);
    expectError(
      await t
        .http()
        .post(`/api/v1/conversations/${group.id}/members`)
        .set(a.auth)
        .send({ userIds: [d.id] }),
      400,
    );
    expectError(await t.http().get(`/api/v1/conversations/${group.id}`).set(d.auth), 404);
  });

  it('concurrent adds never push a group over the cap', async () => {
    const [a, b, ...others] = await users(6);
    const group = await createGroup(t, a, [b]);
    const answers = await Promise.all(
      others.map((other) =>
        t
          .http()
          .post(`/api/v1/conversations/${group.id}/members`)
          .set(a.auth)
          .send({ userIds: [other.id] }),
      ),
    );
    expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
    expect(answers.filter((r) => r.status === 400)).toHaveLength(3);
    expect((await getConversation(t, a, group.id)).members).toHaveLength(3);
  });

  it('a member who left frees a place', async () => {
    const [a, b, c, d] = await users(4);
    const group = await createGroup(t, a, [b, c]);
    await t.http().delete(`/api/v1/conversations/${group.id}/members/${c.id}`).set(c.auth).expect(204);
    const added = await t
      .http()
      .post(`/api/v1/conversations/${group.id}/members`)
      .set(a.auth)
      .send({ userIds: [d.id] });
    expect(added.status).toBe(200);
    expect(added.body.members.map((m: { userId: string }) => m.userId).sort()).toEqual([a.id, b.id, d.id].sort());
  });
});
