import { createUsers, TestUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { closeAllSockets, connectSocket, waitFor } from './helpers/socket';
import { openDirect, send } from './helpers/messaging';

/** One sample's value from the Prometheus text format (0 when the series is absent). */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((row) => row.startsWith(`${name}${labels} `) || (labels === '' && row.startsWith(`${name} `)));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('GET /metrics (e2e)', () => {
  let t: TestApp;
  let a: TestUser;
  let b: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    [a, b] = await createUsers(t, 2);
  });
  afterAll(async () => {
    closeAllSockets();
    await t.close();
  });

  const scrape = async () => {
    const response = await t.http().get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    return response.text;
  };

  it('is open without a token, in Prometheus text format, with the process metrics', async () => {
    const text = await scrape();
    expect(text).toContain('# TYPE chatify_db_commands_total counter');
    expect(text).toContain('# TYPE chatify_send_batch_size histogram');
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
  });

  it('counts stored messages, send batches, database commands and open connections as a user sees them happen', async () => {
    const direct = await openDirect(t, a, b);
    const socket = await connectSocket(t.baseUrl, b.accessToken);
    const before = await scrape();
    const arrived = waitFor(socket, 'message:new');
    await send(t, a, direct.id, 'counted');
    await arrived;
    const after = await scrape();
    expect(sample(after, 'chatify_messages_stored_total') - sample(before, 'chatify_messages_stored_total')).toBe(1);
    expect(sample(after, 'chatify_send_batch_size_count') - sample(before, 'chatify_send_batch_size_count')).toBe(1);
    expect(sample(after, 'chatify_db_commands_total', '{command="insert",outcome="ok"}') - sample(before, 'chatify_db_commands_total', '{command="insert",outcome="ok"}')).toBe(1);
    expect(sample(after, 'chatify_socket_connections')).toBe(1);
    socket.close();
  });
});
