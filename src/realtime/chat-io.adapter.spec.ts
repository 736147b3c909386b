import type { INestApplication } from '@nestjs/common';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { EMPTY, of } from 'rxjs';
import { MetricsService } from '../metrics/metrics.service';
import { ChatIoAdapter } from './chat-io.adapter';
import { InFlightWork } from './in-flight-work';

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
    expect(acks).toEqual([{ ok: true, data: 1 }, { ok: true, data: {} }]);
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
