/** Socket.IO packet types that carry an event (`[name, ...args]`): EVENT and BINARY_EVENT. */
const EVENT_PACKET_TYPES = new Set([2, 5]);

interface Packet {
  type: number;
  data?: unknown[];
}

/**
 * What the hook needs of a namespace's adapter (socket.io-adapter's in-memory Adapter, which the Redis
 * adapter extends). `broadcast` and `broadcastWithAck` encode the packet once (`_encode`), then write it
 * to each matched local socket inside `apply`. Both run synchronously, one right after the other, and
 * packets coming from other instances through Redis take the same way (`super.broadcast`).
 */
export interface BroadcastingAdapter {
  _encode(packet: Packet, packetOptions: unknown): unknown;
  apply(options: unknown, callback: (socket: unknown) => void): void;
}

/** Counts `count` deliveries of `event`. */
export type DeliverySink = (event: string, count: number) => void;

/**
 * Counts server → client events as they are written to this instance's sockets: one per receiving
 * socket, whether the emit started here or on another instance, so the sum over instances is the
 * total. Costs one counter update and one small closure per broadcast, nothing per socket or per idle
 * connection. Other `apply` calls (fetchSockets, disconnectSockets, joins) follow no `_encode` and are
 * not counted. Returns false, counting nothing, if the adapter does not have the expected shape.
 *
 * A patch of socket.io-adapter's internals (`_encode` is private): the one place that sees every
 * delivery to this instance's sockets, including those fanned out from other instances, without a
 * listener or a counter per socket. Not a speed-up: no bench finding measures a gain from it. The only
 * measurement is its cost, none measurable in the full run after issue 12, which added it
 * (docs/BENCHMARKS-HISTORY.md, "Re-run after issue 12": `throughput-200`, `fanout-100`). It relies on
 * the installed socket.io-adapter calling `_encode` then `apply` from `broadcast` and
 * `broadcastWithAck`: delivery-counter.spec.ts, "countDeliveries on …", broadcasts through real
 * servers of both installed socket.io copies to real clients and fails when that changes.
 */
export function countDeliveries(adapter: unknown, sink: DeliverySink): boolean {
  const target = adapter as Partial<BroadcastingAdapter> | null;
  const encode = target?._encode;
  const apply = target?.apply;
  if (!target || typeof encode !== 'function' || typeof apply !== 'function') return false;
  // The event whose packet was just encoded, for the `apply` that writes it.
  let encoded: string | undefined;
  target._encode = function (this: BroadcastingAdapter, packet: Packet, packetOptions: unknown): unknown {
    const result = encode.call(this, packet, packetOptions);
    const name = packet.data?.[0];
    encoded = EVENT_PACKET_TYPES.has(packet.type) && typeof name === 'string' ? name : undefined;
    return result;
  };
  target.apply = function (this: BroadcastingAdapter, options: unknown, callback: (socket: unknown) => void): void {
    const event = encoded;
    encoded = undefined;
    if (event === undefined) return apply.call(this, options, callback);
    let sockets = 0;
    apply.call(this, options, (socket: unknown) => {
      sockets += 1;
      callback(socket);
    });
    if (sockets > 0) sink(event, sockets);
  };
  return true;
}
