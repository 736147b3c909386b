import { randomBytes } from 'node:crypto';
import type { TestApp } from '../helpers/app';

export interface TestUser {
  id: string;
  name: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  /** `{ Authorization: 'Bearer …' }` */
  auth: { Authorization: string };
}

let counter = 0;

/** Signs a new user up through the real API. */
export async function createUser(testApp: TestApp, overrides: Partial<{ name: string; email: string; password: string }> = {}): Promise<TestUser> {
  counter += 1;
  const suffix = `${counter}${randomBytes(3).toString('hex')}`;
  const body = {
    name: overrides.name ?? `User ${suffix}`,
    email: overrides.email ?? `user${suffix}@example.test`,
    password: overrides.password ?? 'correct horse battery',
  };
  const response = await testApp.http().post('/api/v1/auth/signup').send(body);
  if (response.status !== 201) throw new Error(`signup failed: ${response.status} ${JSON.stringify(response.body)}`);
  return {
    id: response.body.user.id,
    name: response.body.user.name,
    email: response.body.user.email,
    password: body.password,
    accessToken: response.body.accessToken,
    refreshToken: response.body.refreshToken,
    auth: { Authorization: `Bearer ${response.body.accessToken}` },
  };
}

/** Signs `count` new users up at once. */
export function createUsers(testApp: TestApp, count: number): Promise<TestUser[]> {
  return Promise.all(Array.from({ length: count }, () => createUser(testApp)));
}
