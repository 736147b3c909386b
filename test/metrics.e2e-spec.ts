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
  afterEach(() => closeAllSockets());
  afterAll(async () => {
    closeAllSockets();
    await t.close();
  });

  const scrape = async () => {
    const response = await t.http().get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    return response.text;
  };

  /** How much each series moved between two scrapes. */
  const moved =
    (before: string, after: string) =>
    (name: string, labels = '') =>
      sample(after, name, labels) - sample(before, name, labels);

  it('is open without a token, in Prometheus text format, with the process metrics', async () => {
    const text = await scrape();
    expect(text).toContain('# TYPE chatify_db_commands_total counter');
    expect(text).toContain('# TYPE chatify_send_batch_size histogram');
    for (const counter of ['socket_events', 'deliveries', 'http_requests', 'sync_requests', 'handshakes']) {
      expect(text).toContain(`# TYPE chatify_${counter}_total counter`);
    }
    for (const histogram of ['ack_duration_seconds', 'http_request_duration_seconds']) expect(text).toContain(`# TYPE chatify_${histogram} histogram`);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
  });

  it('reports the database up, and no Redis series when Redis is not configured', async () => {
    const text = await scrape();
    expect(text).toMatch(/^chatify_database_up 1$/m);
    expect(text).not.toContain('chatify_redis_up');
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

  it('counts HTTP answers by method, route pattern (never the raw URL) and status, and times them', async () => {
    const before = await scrape();
    await t.http().get('/api/v1/users/me').set(b.auth).expect(200);
    await t.http().get('/api/v1/users/me').expect(401);
    await t.http().get('/api/v1/conversations/not-an-id').set(a.auth).expect(400);
    await t.http().get('/no/such/route').set(a.auth).expect(404);
    const after = await scrape();
    const delta = moved(before, after);
    expect(delta('chatify_http_requests_total', '{method="GET",route="/api/v1/users/me",status="200"}')).toBe(1);
    expect(delta('chatify_http_requests_total', '{method="GET",route="/api/v1/users/me",status="401"}')).toBe(1);
    expect(delta('chatify_http_requests_total', '{method="GET",route="/api/v1/conversations/:id",status="400"}')).toBe(1);
    expect(delta('chatify_http_requests_total', '{method="GET",route="unmatched",status="404"}')).toBe(1);
    expect(delta('chatify_http_request_duration_seconds_count', '{method="GET",route="/api/v1/users/me"}')).toBe(2);
    expect(after).not.toContain('not-an-id');
    expect(after).not.toContain('/no/such/route');
  });

  it('counts sync calls by outcome', async () => {
    const before = await scrape();
    const { body } = await t.http().get('/api/v1/sync').set(a.auth).expect(200);
    await t.http().get('/api/v1/sync').query({ since: body.cursor }).set(a.auth).expect(200);
    await t.http().get('/api/v1/sync').query({ since: 'not-a-cursor' }).set(a.auth).expect(400);
    const after = await scrape();
    const delta = moved(before, after);
    expect(delta('chatify_sync_requests_total', '{outcome="ok"}')).toBe(2);
    expect(delta('chatify_sync_requests_total', '{outcome="400"}')).toBe(1);
    expect(delta('chatify_http_requests_total', '{method="GET",route="/api/v1/sync",status="200"}')).toBe(2);
  });

  it('counts each answered socket event once by event and status, and times its ack', async () => {
    const direct = await openDirect(t, a, b);
    const socket = await connectSocket(t.baseUrl, a.accessToken);
    const before = await scrape();
    const sent = await socket.emitWithAck('message:send', { conversationId: direct.id, text: 'over the socket' });
    expect(sent.ok).toBe(true);
    const invalid = await socket.emitWithAck('message:send', { conversationId: direct.id, text: 42 } as never);
    expect(invalid).toMatchObject({ ok: false, error: { status: 400 } });
    const typing = await socket.emitWithAck('typing', { conversationId: direct.id, typing: true });
    expect(typing.ok).toBe(true);
    const after = await scrape();
    const delta = moved(before, after);
    expect(delta('chatify_socket_events_total', '{event="message:send",status="ok"}')).toBe(1);
    expect(delta('chatify_socket_events_total', '{event="message:send",status="400"}')).toBe(1);
    expect(delta('chatify_socket_events_total', '{event="typing",status="ok"}')).toBe(1);
    expect(delta('chatify_ack_duration_seconds_count', '{event="message:send"}')).toBe(2);
    expect(delta('chatify_ack_duration_seconds_count', '{event="typing"}')).toBe(1);
    // Every ack took less than the largest finite bucket: all of them are in it.
    expect(delta('chatify_ack_duration_seconds_bucket', '{le="10",event="message:send"}')).toBe(2);
  });

  it('counts a delivery per receiving socket', async () => {
    const direct = await openDirect(t, a, b);
    const [phone, laptop] = await Promise.all([connectSocket(t.baseUrl, b.accessToken), connectSocket(t.baseUrl, b.accessToken)]);
    const before = await scrape();
    const arrived = Promise.all([waitFor(phone, 'message:new'), waitFor(laptop, 'message:new')]);
    await send(t, a, direct.id, 'to both of b');
    await arrived;
    const after = await scrape();
    expect(moved(before, after)('chatify_deliveries_total', '{event="message:new"}')).toBe(2);
  });
});
