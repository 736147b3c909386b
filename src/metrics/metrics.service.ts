import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import type { CommandFailedEvent, CommandSucceededEvent } from 'mongodb';
import type { Connection } from 'mongoose';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Driver commands that are connection upkeep, not the app's work. */
const UPKEEP = new Set(['hello', 'isMaster', 'ismaster', 'ping', 'endSessions', 'saslStart', 'saslContinue', 'buildInfo']);

/**
 * The process's Prometheus metrics (`GET /metrics`). One registry per app instance, so tests that run
 * several instances in one process never mix their figures. Names are `chatify_*`, plus prom-client's
 * default process and Node.js metrics (CPU, memory, event-loop lag).
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();

  readonly dbCommands = new Counter({
    name: 'chatify_db_commands_total',
    help: 'Database commands sent, by command and outcome',
    labelNames: ['command', 'outcome'],
    registers: [this.registry],
  });
  readonly dbCommandSeconds = new Histogram({
    name: 'chatify_db_command_duration_seconds',
    help: 'Time until the database answered a command',
    labelNames: ['command'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly messagesStored = new Counter({ name: 'chatify_messages_stored_total', help: 'Messages stored (acknowledged sends, retries not counted)', registers: [this.registry] });
  readonly sendsFailed = new Counter({ name: 'chatify_sends_failed_total', help: 'Sends that failed after they were queued', registers: [this.registry] });
  readonly sendBatchSize = new Histogram({
    name: 'chatify_send_batch_size',
    help: 'Sends written together in one batch',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    registers: [this.registry],
  });
  readonly sendSeconds = new Histogram({
    name: 'chatify_send_duration_seconds',
    help: 'From a send joining the queue to its answer (stored, or failed)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly socketConnections = new Gauge({ name: 'chatify_socket_connections', help: 'Open Socket.IO connections on /chat', registers: [this.registry] });

  /** Client → server socket events answered (through their ack), by event and status: "ok" or the error status ("400", "401", …). */
  readonly socketEvents = new Counter({
    name: 'chatify_socket_events_total',
    help: 'Socket events answered, by event and status ("ok" or the error status)',
    labelNames: ['event', 'status'],
    registers: [this.registry],
  });
  readonly ackSeconds = new Histogram({
    name: 'chatify_ack_duration_seconds',
    help: 'From a socket event arriving to its ack',
    labelNames: ['event'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  /** Server → client events written to sockets connected to this instance, one per receiving socket. */
  readonly deliveries = new Counter({
    name: 'chatify_deliveries_total',
    help: 'Server to client events written to sockets of this instance (one per socket)',
    labelNames: ['event'],
    registers: [this.registry],
  });
  /** HTTP answers by method, matched route pattern (`unmatched` when no route matched) and status. */
  readonly httpRequests = new Counter({
    name: 'chatify_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  readonly httpSeconds = new Histogram({
    name: 'chatify_http_request_duration_seconds',
    help: 'From an HTTP request arriving to its answer being written',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  /** `GET /api/v1/sync` answers: "ok", or the error status ("400" unknown cursor, "410" too old, …). */
  readonly syncRequests = new Counter({
    name: 'chatify_sync_requests_total',
    help: 'Sync (catch-up) requests answered, by outcome ("ok" or the error status)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  /** Socket handshakes on /chat by outcome; counted by the handshake middleware (ChatIoAdapter). */
  readonly handshakes = new Counter({ name: 'chatify_handshakes_total', help: 'Socket.IO handshakes on /chat, by outcome', labelNames: ['outcome'], registers: [this.registry] });

  /** Whether the database connection is open and its server's last heartbeat succeeded (see onModuleInit). */
  private databaseHeartbeatOk = true;

  constructor(@Inject(getConnectionToken()) private readonly connection: Connection) {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
  }

  onModuleInit(): void {
    // The driver reports every command when the connection monitors them (DatabaseModule sets monitorCommands).
    const client = this.connection.getClient();
    const finished = (outcome: 'ok' | 'error') => (event: CommandSucceededEvent | CommandFailedEvent) => {
      if (UPKEEP.has(event.commandName)) return;
      this.dbCommands.inc({ command: event.commandName, outcome });
      this.dbCommandSeconds.observe({ command: event.commandName }, event.duration / 1000);
    };
    client.on('commandSucceeded', finished('ok'));
    client.on('commandFailed', finished('error'));
    // The connection's readyState stays "connected" for a while after the server went away; the
    // driver's monitor notices sooner (each heartbeat, and at once when a command's socket breaks).
    client.on('serverHeartbeatSucceeded', () => (this.databaseHeartbeatOk = true));
    client.on('serverHeartbeatFailed', () => (this.databaseHeartbeatOk = false));
    const connection = this.connection;
    const isUp = () => connection.readyState === 1 && this.databaseHeartbeatOk;
    new Gauge({
      name: 'chatify_database_up',
      help: '1 while the database connection is open and its server answers heartbeats, else 0',
      registers: [this.registry],
      collect() {
        this.set(isUp() ? 1 : 0);
      },
    });
  }

  /**
   * Adds `chatify_redis_up` (1/0, read at scrape time from `isUp`). Called only when Redis is
   * configured: without it the series is absent, not a misleading 0 or 1.
   */
  watchRedis(isUp: () => boolean): void {
    if (this.registry.getSingleMetric('chatify_redis_up')) return;
    new Gauge({
      name: 'chatify_redis_up',
      help: '1 while both Redis fan-out connections (publish, subscribe) are ready, else 0',
      registers: [this.registry],
      collect() {
        this.set(isUp() ? 1 : 0);
      },
    });
  }

  /** The text exposition of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
