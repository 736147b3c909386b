import { createTestApp, TestApp } from './helpers/app';
import { createUser } from './factories/user.factory';

describe('harness smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('signs up and reads /users/me', async () => {
    const user = await createUser(t);
    const me = await t.http().get('/api/v1/users/me').set(user.auth).expect(200);
    expect(me.body).toEqual({ id: user.id, name: user.name, email: user.email, avatarUrl: null, online: false, lastSeenAt: null, createdAt: expect.any(String) });
  });
});
