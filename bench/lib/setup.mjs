// Creates the benchmark's users, direct conversations and group through the public REST API.
import { createJsonClient, mapLimit } from './http.mjs';

/**
 * @param {string} url target base URL
 * @param {{ users: number, pairs: number, groupMembers: number, runId: string, concurrency: number, log: (s: string) => void }} o
 * @returns {Promise<{ users: { id: string, token: string }[], pairs: { a: number, b: number, conversationId: string }[], group: { id: string, members: number[] } | null, signupMs: number }>}
 */
export async function createFixtures(url, { users: count, pairs: pairCount, groupMembers, runId, concurrency, log }) {
  const client = createJsonClient(url, { maxSockets: concurrency });
  try {
    const started = Date.now();
    const users = await mapLimit(count, concurrency, async (i) => {
      const body = { name: `Bench User ${i}`, email: `bench-${runId}-${i}@bench.example`, password: 'bench-password-123' };
      const res = await client.request('POST', '/api/v1/auth/signup', body);
      if (res.status !== 201 || !res.body?.user?.id || !res.body?.accessToken) {
        throw new Error(`signup ${i} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
      }
      return { id: String(res.body.user.id), token: String(res.body.accessToken) };
    });
    const signupMs = Date.now() - started;
    log(`  ${count} users signed up in ${(signupMs / 1000).toFixed(1)} s`);

    const pairs = await mapLimit(Math.min(pairCount, Math.floor(count / 2)), concurrency, async (k) => {
      const a = 2 * k;
      const b = a + 1;
      const res = await client.request('POST', '/api/v1/conversations', { type: 'direct', userId: users[b].id }, users[a].token);
      if ((res.status !== 200 && res.status !== 201) || !res.body?.id) {
        throw new Error(`direct conversation ${k} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
      }
      return { a, b, conversationId: String(res.body.id) };
    });

    let group = null;
    if (groupMembers > 1) {
      const members = Array.from({ length: Math.min(groupMembers, count) }, (_, i) => i);
      const res = await client.request(
        'POST',
        '/api/v1/conversations',
        { type: 'group', title: `Bench group ${runId}`, memberIds: members.slice(1).map((i) => users[i].id) },
        users[0].token,
      );
      if (res.status !== 201 || !res.body?.id) throw new Error(`group creation answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
      group = { id: String(res.body.id), members };
    }
    return { users, pairs, group, signupMs };
  } finally {
    client.close();
  }
}
