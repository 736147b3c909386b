import type { EventEmitter } from 'node:events';

/** The TCP stream under a WebSocket connection (ws keeps it as `_socket`). */
interface Corkable {
  cork(): void;
  uncork(): void;
}

/** What the hook reads of an engine.io socket: its transport, and under a WebSocket transport the ws connection. */
interface EngineSocket {
  transport?: { name?: string; socket?: { _socket?: Partial<Corkable> } };
}

/**
 * Packets that queued for one connection while its previous write was in flight (engine.io sends
 * one write at a time per connection) leave in one system call: the connection's TCP stream is
 * corked from engine.io's `flush` event to its `drain` event, which it emits synchronously around
 * handing the queue to the transport. Each packet is still its own WebSocket frame; only the number
 * of writes changes (a send's ack and the `message:new`s that queued behind it were one write each).
 * Polling transports and single packets are left alone. Returns false, changing nothing, if the
 * engine is not an event emitter.
 *
 * Reaches into ws's private `_socket`: kept for docs/BENCHMARKS.md, finding 4 (scenario
 * `throughput-200`, `--cpu-prof`; one of the cuts that halved the server CPU per message, measured in
 * back-to-back pairs), not measured on its own. If ws drops `_socket` the hook silently does nothing,
 * so flush-coalescing.spec.ts, "on the installed engine.io and ws", checks on a real connection that
 * `_socket` is the TCP stream and that a queued batch is corked and uncorked.
 */
export function coalesceFlushes(engine: unknown): boolean {
  const target = engine as Partial<EventEmitter> | null;
  if (!target || typeof target.on !== 'function') return false;
  const corked = new Map<EngineSocket, Corkable>();
  target.on('flush', (socket: EngineSocket, packets: unknown[]) => {
    if (!Array.isArray(packets) || packets.length < 2 || socket.transport?.name !== 'websocket') return;
    const stream = socket.transport.socket?._socket;
    if (typeof stream?.cork !== 'function' || typeof stream.uncork !== 'function' || corked.has(socket)) return;
    stream.cork();
    corked.set(socket, stream as Corkable);
  });
  target.on('drain', (socket: EngineSocket) => {
    const stream = corked.get(socket);
    if (!stream) return;
    corked.delete(socket);
    stream.uncork();
  });
  return true;
}
