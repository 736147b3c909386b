import { createTestApp, TestApp } from './helpers/app';
import { expectErrorBody } from './helpers/http-assertions';

/**
 * A brand-new database: the app creates its indexes at start, and index builds may finish later
 * than the server starts listening. Nothing may be stored before the unique indexes exist.
 */
describe('Indexes before the first request (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // Not waiting for the indexes: the requests below are the brand-new database's first.
    t = await createTestApp({}, { waitForIndexes: false });
  });
  afterAll(async () => {
    await t.close();
  });

  /** Sends until the answer is not "starting" (503 from the readiness gate); returns every answer. */
  async function untilServed(send: () => Promise<{ status: number; body: unknown; headers: Record<string, string> }>) {
    const answers = [];
    for (;;) {
      const response = await send();
      answers.push(response);
      if (response.status !== 503) return answers;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('concurrent sign-ups with one e-mail from the very first request: exactly one account, the others 409', async () => {
    const body = { name: 'First', email: 'first@example.test', password: 'correct horse battery' };
    const runs = await Promise.all(Array.from({ length: 8 }, () => untilServed(() => t.http().post('/api/v1/auth/signup').send(body))));
    for (const response of runs.flat().filter((answer) => answer.status === 503)) {
      expectErrorBody(response as never, 503);
      expect(response.headers['retry-after']).toBe('1');
    }
    const finals = runs.map((answers) => answers[answers.length - 1].status).sort();
    expect(finals).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect(await t.connection.collection('users').countDocuments({ email: 'first@example.test' })).toBe(1);
  });

  it('answers /health 200 once the indexes are built, and lists every declared index', async () => {
    await t.http().get('/health').expect(200);
    for (const model of Object.values(t.connection.models)) {
      const names = (await model.collection.listIndexes().toArray()).map((index) => index.name);
      expect(names.length).toBeGreaterThanOrEqual(model.schema.indexes().length + 1);
    }
  });
});
