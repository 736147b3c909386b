import { IoAdapter } from '@nestjs/platform-socket.io';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { Adapter } from 'socket.io-adapter';
import { io, type Socket as ClientSocket } from 'socket.io-client';
import { Encoder, PacketType } from 'socket.io-parser';
import { countDeliveries } from './delivery-counter';

/** socket.io-adapter's real in-memory Adapter over a namespace of fake sockets that record what is written to them. */
function namespaceWith(socketIds: string[]) {
  const written = new Map<string, number>(socketIds.map((id) => [id, 0]));
  const sockets = new Map(socketIds.map((id) => [id, { id, client: { writeToEngine: () => written.set(id, (written.get(id) ?? 0) + 1) } }]));
  const nsp = { name: '/chat', sockets, server: { encoder: new Encoder() } };
  const adapter = new Adapter(nsp as never);
  return { adapter, written };
}

const event = (name: string) => ({ type: PacketType.EVENT, data: [name, { id: 1 }], nsp: '/chat' });
const opts = (rooms: string[], except: string[] = []) => ({ rooms: new Set(rooms), except: new Set(except), flags: {} });

describe('countDeliveries', () => {
  let counted: [string, number][];
  const sink = (name: string, count: number) => counted.push([name, count]);
  beforeEach(() => (counted = []));

  it('counts one delivery per local socket a broadcast writes to, once per broadcast', () => {
    const { adapter, written } = namespaceWith(['s1', 's2', 's3']);
    void adapter.addAll('s1', new Set(['user:a']));
    void adapter.addAll('s2', new Set(['user:a', 'user:b']));
    void adapter.addAll('s3', new Set(['user:c']));
    expect(countDeliveries(adapter, sink)).toBe(true);
    adapter.broadcast(event('message:new') as never, opts(['user:a', 'user:b']) as never);
    adapter.broadcast(event('typing') as never, opts(['user:a'], ['user:b']) as never);
    expect(counted).toEqual([
      ['message:new', 2],
      ['typing', 1],
    ]);
    expect([...written.values()]).toEqual([2, 1, 0]);
  });

  it('counts nothing for a broadcast that reaches no local socket', () => {
    const { adapter } = namespaceWith(['s1']);
    void adapter.addAll('s1', new Set(['user:a']));
    countDeliveries(adapter, sink);
    adapter.broadcast(event('message:new') as never, opts(['user:elsewhere']) as never);
    expect(counted).toEqual([]);
  });

  it("does not count the adapter's other work over sockets (fetching and listing them)", async () => {
    const { adapter } = namespaceWith(['s1', 's2']);
    void adapter.addAll('s1', new Set(['user:a']));
    void adapter.addAll('s2', new Set(['user:a']));
    countDeliveries(adapter, sink);
    await adapter.fetchSockets(opts(['user:a']) as never);
    await adapter.sockets(new Set(['user:a']));
    adapter.broadcast(event('message:new') as never, opts(['user:a']) as never);
    await adapter.fetchSockets(opts(['user:a']) as never);
    expect(counted).toEqual([['message:new', 2]]);
  });

  it('refuses an adapter without the expected shape, changing nothing', () => {
    const odd = { apply: () => undefined };
    expect(countDeliveries(odd, sink)).toBe(false);
    expect(countDeliveries(null, sink)).toBe(false);
    expect(Object.keys(odd)).toEqual(['apply']);
  });
});

/**
 * The hook on a real Socket.IO server (both installed copies: the app's, and the one Nest's IoAdapter
 * runs, which is the server the app really gets), reached by real clients. If a future socket.io or
 * socket.io-adapter renames `_encode`, stops calling it from `broadcast`/`broadcastWithAck`, or writes
 * to sockets other than inside `apply`, the counts here go wrong or `countDeliveries` refuses the adapter.
 */
describe.each([
  ["socket.io (the app's copy)", () => new Server(0)],
  ["the socket.io of Nest's IoAdapter (the server the app runs)", () => new IoAdapter().createIOServer(0) as Server],
])('countDeliveries on %s', (_copy, createServer) => {
  let server: Server;
  let clients: ClientSocket[];
  let counted: [string, number][];

  beforeEach(() => {
    server = createServer();
    clients = [];
    counted = [];
  });

  afterEach(async () => {
    for (const client of clients) client.disconnect();
    await new Promise<void>((resolve) => {
      void server.close(() => resolve());
    });
  });

  /** A client of `/chat` whose server-side socket joined `rooms`. */
  async function connect(rooms: string[]): Promise<ClientSocket> {
    const { port } = server.httpServer.address() as AddressInfo;
    const client = io(`http://127.0.0.1:${port}/chat`, { transports: ['websocket'], forceNew: true, reconnection: false, query: { rooms: rooms.join(',') } });
    clients.push(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('connect_error', reject);
    });
    return client;
  }

  const received = (client: ClientSocket, event: string) => new Promise<unknown>((resolve) => client.once(event, resolve));

  it('counts one delivery per socket a broadcast reaches, for emits, emits with acks, and not for other adapter work', async () => {
    const namespace = server.of('/chat');
    namespace.on('connection', (socket) => socket.join(String(socket.handshake.query.rooms).split(',')));
    expect(countDeliveries(namespace.adapter, (name, count) => counted.push([name, count]))).toBe(true);
    const a = await connect(['user:a']);
    const ab = await connect(['user:a', 'user:b']);
    const c = await connect(['user:c']);
    for (const client of [a, ab, c]) client.on('ping', (answer: (value: string) => void) => answer('pong'));

    const arrivals = Promise.all([received(a, 'message:new'), received(ab, 'message:new')]);
    namespace.to(['user:a', 'user:b']).emit('message:new', { id: 1 });
    expect(await arrivals).toEqual([{ id: 1 }, { id: 1 }]);
    const typing = received(a, 'typing');
    namespace.to('user:a').except('user:b').emit('typing', { on: true });
    expect(await typing).toEqual({ on: true });
    expect(await namespace.to('user:c').timeout(2000).emitWithAck('ping')).toEqual(['pong']);
    namespace.to('user:nobody').emit('message:new', { id: 2 });
    await namespace.in('user:a').fetchSockets();
    namespace.in('user:c').socketsJoin('user:d');
    namespace.in('user:d').disconnectSockets(true);

    expect(counted).toEqual([
      ['message:new', 2],
      ['typing', 1],
      ['ping', 1],
    ]);
  });
});
