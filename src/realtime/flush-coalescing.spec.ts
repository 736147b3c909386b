import { IoAdapter } from '@nestjs/platform-socket.io';
import { EventEmitter } from 'node:events';
import { type AddressInfo, Socket as TcpSocket } from 'node:net';
import type { Server, Socket as ServerSocket } from 'socket.io';
import { io, type Socket as ClientSocket } from 'socket.io-client';
import { coalesceFlushes } from './flush-coalescing';

function connection(transport = 'websocket') {
  const calls: string[] = [];
  const stream = { cork: () => calls.push('cork'), uncork: () => calls.push('uncork') };
  return { calls, socket: { transport: { name: transport, socket: { _socket: stream } } } };
}

describe('coalesceFlushes', () => {
  it('corks a WebSocket connection from a flush of several packets to its drain, once', () => {
    const engine = new EventEmitter();
    expect(coalesceFlushes(engine)).toBe(true);
    const sut = connection();
    engine.emit('flush', sut.socket, [{}, {}, {}]);
    expect(sut.calls).toEqual(['cork']);
    engine.emit('drain', sut.socket);
    engine.emit('drain', sut.socket);
    expect(sut.calls).toEqual(['cork', 'uncork']);
  });

  it('leaves single packets, polling connections and other connections alone', () => {
    const engine = new EventEmitter();
    coalesceFlushes(engine);
    const single = connection();
    const polling = connection('polling');
    const other = connection();
    engine.emit('flush', single.socket, [{}]);
    engine.emit('flush', polling.socket, [{}, {}]);
    engine.emit('drain', single.socket);
    engine.emit('drain', polling.socket);
    engine.emit('drain', other.socket);
    expect([single.calls, polling.calls, other.calls]).toEqual([[], [], []]);
  });

  it('changes nothing on an engine it does not recognise', () => {
    expect(coalesceFlushes(undefined)).toBe(false);
    expect(coalesceFlushes({})).toBe(false);
  });
});

/**
 * The hook on the engine of a real server (the socket.io copy Nest's IoAdapter runs, its engine.io and
 * ws) and a real client. If a future engine.io stops emitting `flush`/`drain` on the server around a
 * write, or ws stops keeping the TCP stream as `_socket`, this fails instead of the app silently
 * writing packet by packet.
 */
describe('coalesceFlushes on the installed engine.io and ws', () => {
  let server: Server;
  let client: ClientSocket | undefined;

  beforeEach(() => {
    server = new IoAdapter().createIOServer(0) as Server;
  });

  afterEach(async () => {
    client?.disconnect();
    await new Promise<void>((resolve) => {
      void server.close(() => resolve());
    });
  });

  it('writes the packets queued behind a write in one corked batch, and leaves the stream uncorked', async () => {
    expect(coalesceFlushes(server.engine)).toBe(true);
    const flushes: number[] = [];
    server.engine.on('flush', (_socket: unknown, packets: unknown[]) => flushes.push(packets.length));
    const connected = new Promise<ServerSocket>((resolve) => server.on('connection', resolve));
    const { port } = server.httpServer.address() as AddressInfo;
    client = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true, reconnection: false });
    const socket = await connected;

    const transport = (socket.conn as unknown as { transport: { name: string; socket: { _socket?: unknown } } }).transport;
    expect(transport.name).toBe('websocket');
    const stream = transport.socket._socket;
    expect(stream).toBeInstanceOf(TcpSocket);
    const tcp = stream as TcpSocket;
    const cork = jest.spyOn(tcp, 'cork');
    const uncork = jest.spyOn(tcp, 'uncork');

    const all = new Promise<number[]>((resolve) => {
      const seen: number[] = [];
      client?.on('n', (n: number) => {
        seen.push(n);
        if (seen.length === 20) resolve(seen);
      });
    });
    // The first packet is written at once; the other 19 queue behind it until its write completes.
    for (let n = 0; n < 20; n += 1) socket.emit('n', n);
    expect(await all).toEqual([...Array(20).keys()]);

    expect(flushes.some((count) => count >= 2)).toBe(true);
    expect(cork).toHaveBeenCalled();
    expect(uncork).toHaveBeenCalledTimes(cork.mock.calls.length);
    expect(tcp.writableCorked).toBe(0);
  });
});
