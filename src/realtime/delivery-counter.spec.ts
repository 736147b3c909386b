import { Adapter } from 'socket.io-adapter';
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
    expect(counted).toEqual([['message:new', 2], ['typing', 1]]);
    expect([...written.values()]).toEqual([2, 1, 0]);
  });

  it('counts nothing for a broadcast that reaches no local socket', () => {
    const { adapter } = namespaceWith(['s1']);
    void adapter.addAll('s1', new Set(['user:a']));
    countDeliveries(adapter, sink);
    adapter.broadcast(event('message:new') as never, opts(['user:elsewhere']) as never);
    expect(counted).toEqual([]);
  });

  it('does not count the adapter\'s other work over sockets (fetching and listing them)', async () => {
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
