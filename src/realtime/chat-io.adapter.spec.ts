import { type CallHandler, type INestApplication, Injectable, type NestInterceptor, UseInterceptors } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { Test } from '@nestjs/testing';
import { Ack as AckParam, ConnectedSocket, MessageBody, type MessageMappingProperties, SubscribeMessage, WebSocketGateway, WebSocketServer, WsException } from '@nestjs/websockets';
import type { AddressInfo } from 'node:net';
import { EMPTY, map, Observable, of } from 'rxjs';
import { io, type Socket as ClientSocket } from 'socket.io-client';
import { TokenService } from '../auth/token.service';
import { AppConfig } from '../config/app-config';
import { CHAT_NAMESPACE } from '../contract/socket-events';
import { IndexReadiness } from '../database/index-readiness';
import { MetricsService } from '../metrics/metrics.service';
import { ChatIoAdapter } from './chat-io.adapter';
import { InFlightWork } from './in-flight-work';
import { ChatRedisFanout } from './redis-fanout';

const CHAT = { name: '/chat' };

/** The part of a Socket.IO socket the adapter uses, with Socket.IO's catch-all dispatch (`onAny`). */
class FakeSocket {
  connected = true;
  readonly anyListeners: Array<(event: unknown, ...args: unknown[]) => void> = [];
  readonly emitted: unknown[][] = [];
  readonly data = { user: { userId: 'u1' } };
  constructor(
    readonly id: string,
    readonly nsp: object = CHAT,
  ) {}
  onAny(listener: (event: unknown, ...args: unknown[]) => void): this {
    this.anyListeners.push(listener);
    return this;
  }
  once(): this {
    return this;
  }
  emit(event: string, ...args: unknown[]): boolean {
    this.emitted.push([event, ...args]);
    return true;
  }
  /** What Socket.IO's `onevent` does with a client's event packet: every catch-all listener, `this` = the socket. */
  receive(event: string, ...args: unknown[]): void {
    for (const listener of this.anyListeners) listener.apply(this, [event, ...args]);
  }
}

/** Nest's per-socket handlers: each callback bound to its socket, as WebSocketsController makes them. */
function handlersFor(socket: FakeSocket, calls: string[], results: Record<string, unknown>, manual: string[] = []): MessageMappingProperties[] {
  return Object.keys(results).map((message) => ({
    message,
    isAckHandledManually: manual.includes(message),
    methodName: message,
    callback: (data: unknown) => {
      calls.push(`${socket.id} ${message} ${JSON.stringify(data)}`);
      return results[message];
    },
  })) as unknown as MessageMappingProperties[];
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('ChatIoAdapter.bindMessageHandlers', () => {
  let sut: ChatIoAdapter;
  let work: InFlightWork;
  let counted: Array<{ event: string; status: string }>;

  beforeEach(() => {
    work = new InFlightWork();
    counted = [];
    const metrics = {
      socketEvents: { inc: (labels: { event: string; status: string }) => counted.push(labels) },
      ackSeconds: { observe: () => undefined },
    };
    const app = {
      get: (token: unknown) => (token === MetricsService ? metrics : token === InFlightWork ? work : undefined),
    } as unknown as INestApplication;
    sut = new ChatIoAdapter(app);
  });

  it('shares one listener between sockets and runs each socket’s own callback with its data and ack', async () => {
    const calls: string[] = [];
    const a = new FakeSocket('a');
    const b = new FakeSocket('b');
    const results = { 'message:send': Promise.resolve({ ok: true, data: 1 }), typing: { ok: true, data: {} } };
    sut.bindMessageHandlers(a, handlersFor(a, calls, results), () => EMPTY);
    sut.bindMessageHandlers(b, handlersFor(b, calls, results), () => EMPTY);
    expect(a.anyListeners).toHaveLength(1);
    expect(b.anyListeners[0]).toBe(a.anyListeners[0]);

    const acks: unknown[] = [];
    b.receive('message:send', { text: 'hi' }, (answer: unknown) => acks.push(answer));
    a.receive('typing', { conversationId: 'c' }, (answer: unknown) => acks.push(answer));
    await flush();

    expect(calls).toEqual(['b message:send {"text":"hi"}', 'a typing {"conversationId":"c"}']);
    expect(acks).toEqual([
      { ok: true, data: 1 },
      { ok: true, data: {} },
    ]);
    expect(counted).toEqual([
      { event: 'message:send', status: 'ok' },
      { event: 'typing', status: 'ok' },
    ]);
    expect(work.size).toBe(0);
  });

  it('ignores events the gateway has no handler for, and events of a socket that disconnected', async () => {
    const calls: string[] = [];
    const socket = new FakeSocket('s');
    sut.bindMessageHandlers(socket, handlersFor(socket, calls, { typing: { ok: true } }), () => EMPTY);
    const acks: unknown[] = [];
    socket.receive('not:an:event', {}, (answer: unknown) => acks.push(answer));
    socket.connected = false;
    socket.receive('typing', {}, (answer: unknown) => acks.push(answer));
    await flush();
    expect(calls).toEqual([]);
    expect(acks).toEqual([]);
  });

  it('emits `{ event, data }` results as events, leaves manual acks to the handler, and answers every value of an Observable', async () => {
    const calls: string[] = [];
    const socket = new FakeSocket('s');
    const results = {
      'presence:subscribe': { event: 'presence', data: { online: true } },
      'message:edit': { ok: true, data: 'manual' },
      'message:react': of({ ok: true, data: 'first' }, null, { ok: true, data: 'second' }),
    };
    sut.bindMessageHandlers(socket, handlersFor(socket, calls, results, ['message:edit']), () => EMPTY);
    const acks: unknown[] = [];
    for (const event of Object.keys(results)) socket.receive(event, {}, (answer: unknown) => acks.push(answer));
    await flush();
    expect(socket.emitted).toEqual([['presence', { online: true }]]);
    expect(acks).toEqual([
      { ok: true, data: 'first' },
      { ok: true, data: 'second' },
    ]);
  });

  it('keeps the events of each namespace apart (one gateway per namespace)', async () => {
    const calls: string[] = [];
    const chat = new FakeSocket('c');
    const other = new FakeSocket('o', { name: '/other' });
    sut.bindMessageHandlers(chat, handlersFor(chat, calls, { typing: { ok: true }, 'message:send': { ok: true } }), () => EMPTY);
    sut.bindMessageHandlers(other, handlersFor(other, calls, { ping: { ok: true } }), () => EMPTY);
    const acks: unknown[] = [];
    other.receive('ping', {}, (answer: unknown) => acks.push(answer));
    other.receive('typing', {}, (answer: unknown) => acks.push(answer));
    chat.receive('message:send', {}, (answer: unknown) => acks.push(answer));
    chat.receive('ping', {}, (answer: unknown) => acks.push(answer));
    await flush();
    expect(calls).toEqual(['o ping {}', 'c message:send {}']);
    expect(acks).toHaveLength(2);
  });
});

/**
 * The override against the installed framework: Nest's real WebSocketsController binding a real gateway
 * (guards, pipes, interceptors, exception filter) on the socket.io copy Nest's IoAdapter runs, reached
 * by a real socket.io-client. What a client observes must be what it observes under Nest's own
 * `IoAdapter.bindMessageHandlers`, and the override must really be the binding in use (one shared
 * `onAny` listener, no per-event listener: the memory gain of docs/BENCHMARKS.md finding 12). A new
 * @nestjs/websockets or @nestjs/platform-socket.io that changes how handlers are bound or answered
 * fails here.
 */
describe('ChatIoAdapter.bindMessageHandlers on the installed Nest and Socket.IO', () => {
  /** Server-side effects of the handlers, in order. */
  let calls: string[];

  @Injectable()
  class Tagged implements NestInterceptor {
    intercept(_context: unknown, next: CallHandler): Observable<unknown> {
      return next.handle().pipe(map((value: unknown) => ({ ...(value as object), intercepted: true })));
    }
  }

  @WebSocketGateway({ namespace: CHAT_NAMESPACE })
  class ProbeGateway {
    @WebSocketServer() server: unknown;

    @SubscribeMessage('echo')
    echo(@MessageBody() data: unknown): unknown {
      calls.push(`echo ${JSON.stringify(data)}`);
      return { ok: true, data };
    }

    @SubscribeMessage('later')
    async later(@MessageBody() data: unknown): Promise<unknown> {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { ok: true, data };
    }

    @SubscribeMessage('event-reply')
    eventReply(): unknown {
      return { event: 'reply', data: { via: 'event' } };
    }

    @SubscribeMessage('stream')
    stream(): Observable<unknown> {
      return of({ event: 'tick', data: 1 }, null, { event: 'tick', data: 2 });
    }

    @SubscribeMessage('intercepted')
    @UseInterceptors(Tagged)
    intercepted(): unknown {
      return { ok: true };
    }

    @SubscribeMessage('manual')
    manual(@AckParam() ack: (answer: unknown) => void): unknown {
      ack({ ok: true, data: 'by hand' });
      return { ok: true, data: 'returned' };
    }

    @SubscribeMessage('fails')
    fails(): never {
      throw new WsException('nope');
    }

    @SubscribeMessage('silent')
    silent(@ConnectedSocket() socket: { id: string }, @MessageBody() data: unknown): unknown {
      calls.push(`silent ${typeof socket.id} ${JSON.stringify(data)}`);
      return { ok: true };
    }

    @SubscribeMessage('watch')
    watch(): Observable<unknown> {
      // Never completes: only the socket's disconnect ends it.
      return new Observable(() => () => calls.push('watch unsubscribed'));
    }
  }

  const counted: Array<{ event: string; status: string }> = [];
  const metrics = {
    handshakes: { inc: () => undefined },
    socketEvents: { inc: (labels: { event: string; status: string }) => counted.push(labels) },
    ackSeconds: { observe: () => undefined },
  };
  const config = {
    corsOrigins: '*',
    wsMaxPayloadBytes: 65_536,
    wsPingIntervalMs: 25_000,
    wsPingTimeoutMs: 20_000,
    wsReconnect: { delayMs: 1000, maxDelayMs: 5000, randomizationFactor: 0.5 },
    wsHandshakeRate: 0,
  };

  /** Boots the probe gateway on `adapter`, runs one client's script, and returns what the client observed. */
  async function observe(makeAdapter: (app: INestApplication) => IoAdapter) {
    calls = [];
    counted.length = 0;
    const moduleRef = await Test.createTestingModule({
      providers: [
        ProbeGateway,
        Tagged,
        InFlightWork,
        { provide: MetricsService, useValue: metrics },
        { provide: AppConfig, useValue: config },
        { provide: TokenService, useValue: { verifyAccessToken: () => ({ userId: 'u1', sessionId: 's1', exp: 2 ** 31 }) } },
        { provide: IndexReadiness, useValue: { ready: true } },
        { provide: ChatRedisFanout, useValue: { createAdapter: () => null } },
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    const adapter = makeAdapter(app);
    app.useWebSocketAdapter(adapter);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    const clients: ClientSocket[] = [];
    try {
      const connect = async () => {
        const client = io(`http://127.0.0.1:${port}${CHAT_NAMESPACE}`, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { token: 't' } });
        clients.push(client);
        await new Promise<void>((resolve, reject) => {
          client.once('connect', resolve);
          client.once('connect_error', reject);
        });
        return client;
      };
      const first = await connect();
      const second = await connect();
      const events: unknown[][] = [];
      first.onAny((event: string, ...args: unknown[]) => events.push([event, ...args]));
      const ask = (event: string, ...args: unknown[]) =>
        first
          .timeout(300)
          .emitWithAck(event, ...args)
          .catch((error: Error) => `no answer (${error.message})`);
      const answers = {
        echo: await ask('echo', { text: 'hi' }),
        echoOfTheSecond: await second.timeout(300).emitWithAck('echo', 'second'),
        later: await ask('later', 7),
        eventReply: await ask('event-reply', {}),
        stream: await ask('stream', {}),
        intercepted: await ask('intercepted', {}),
        manual: await ask('manual', {}),
        fails: await ask('fails', {}),
        severalArguments: await ask('echo', 'a', 'b'),
        unknown: await ask('not:an:event', {}),
      };
      first.emit('silent', { no: 'ack' });
      first.emit('watch', {});
      await new Promise((resolve) => setTimeout(resolve, 50));
      first.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 50));

      // The binding in use: Nest's own registers one listener per handler per socket.
      const sockets = [...(app.get(ProbeGateway).server as { sockets: Map<string, { listeners(event: string): unknown[]; listenersAny(): unknown[] }> }).sockets.values()];
      const binding = sockets.map((socket) => ({ echoListeners: socket.listeners('echo').length, anyListeners: socket.listenersAny() }));
      return { answers, events, calls: [...calls], counted: [...counted], binding };
    } finally {
      for (const client of clients) client.disconnect();
      await app.close();
    }
  }

  it("answers every kind of handler result exactly as Nest's own IoAdapter does", async () => {
    const nest = await observe((app) => new IoAdapter(app));
    const ours = await observe((app) => new ChatIoAdapter(app));
    const expected = {
      echo: { ok: true, data: { text: 'hi' } },
      echoOfTheSecond: { ok: true, data: 'second' },
      later: { ok: true, data: 7 },
      eventReply: 'no answer (operation has timed out)',
      stream: 'no answer (operation has timed out)',
      intercepted: { ok: true, intercepted: true },
      manual: { ok: true, data: 'by hand' },
      fails: 'no answer (operation has timed out)',
      severalArguments: { ok: true, data: ['a', 'b'] },
      unknown: 'no answer (operation has timed out)',
    };
    expect(nest.answers).toEqual(expected);
    expect(ours.answers).toEqual(nest.answers);
    expect(ours.events).toEqual(nest.events);
    expect(nest.events).toEqual([
      ['reply', { via: 'event' }],
      ['tick', 1],
      ['tick', 2],
      ['exception', { status: 'error', message: 'nope', cause: { pattern: 'fails', data: {} } }],
    ]);
    expect(ours.calls).toEqual(nest.calls);
    expect(nest.calls).toEqual(['echo {"text":"hi"}', 'echo "second"', 'echo ["a","b"]', 'silent string {"no":"ack"}', 'watch unsubscribed']);
  });

  it('is the binding Nest uses: one `onAny` listener shared by every socket, no listener per event', async () => {
    const nest = await observe((app) => new IoAdapter(app));
    const ours = await observe((app) => new ChatIoAdapter(app));
    expect(nest.binding).toEqual([{ echoListeners: 1, anyListeners: [] }]);
    expect(ours.binding).toHaveLength(1);
    expect(ours.binding[0].echoListeners).toBe(0);
    expect(ours.binding[0].anyListeners).toHaveLength(1);
    // Every answered event counted once, through the one ack (acks only: emitted replies are not acks).
    expect(ours.counted).toEqual([
      { event: 'echo', status: 'ok' },
      { event: 'echo', status: 'ok' },
      { event: 'later', status: 'ok' },
      { event: 'intercepted', status: 'ok' },
      { event: 'manual', status: 'ok' },
      { event: 'echo', status: 'ok' },
    ]);
  });
});
