import { EventEmitter } from 'node:events';
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
