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

  readonly dbCommands = new Counter({ name: 'chatify_db_commands_total', help: 'Database commands sent, by command and outcome', labelNames: ['command', 'outcome'], registers: [this.registry] });
  readonly dbCommandSeconds = new Histogram({
    name: 'chatify_db_command_duration_seconds', help: 'Time until the database answered a command', labelNames: ['command'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry],
  });
  readonly messagesStored = new Counter({ name: 'chatify_messages_stored_total', help: 'Messages stored (acknowledged sends, retries not counted)', registers: [this.registry] });
  readonly sendsFailed = new Counter({ name: 'chatify_sends_failed_total', help: 'Sends that failed after they were queued', registers: [this.registry] });
  readonly sendBatchSize = new Histogram({
    name: 'chatify_send_batch_size', help: 'Sends written together in one batch',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512], registers: [this.registry],
  });
  readonly sendSeconds = new Histogram({
    name: 'chatify_send_duration_seconds', help: 'From a send joining the queue to its answer (stored, or failed)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [this.registry],
  });
  readonly handshakes = new Counter({ name: 'chatify_handshakes_total', help: 'Socket.IO handshakes on /chat, by outcome', labelNames: ['outcome'], registers: [this.registry] });
  readonly socketConnections = new Gauge({ name: 'chatify_socket_connections', help: 'Open Socket.IO connections on /chat', registers: [this.registry] });

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
  }

  /** The text exposition of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
