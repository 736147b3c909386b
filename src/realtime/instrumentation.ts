import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { runWithSocketLog } from '../common/logging/log-context';
import { MetricsService } from '../metrics/metrics.service';
import type { ChatServer } from './chat.socket';
import { ChatRedisFanout } from './redis-fanout';
import { countDeliveries } from './delivery-counter';

/**
 * Observability of `/chat` that no handler should carry: deliveries counted where packets are written
 * to this instance's sockets, connections handled in their socket's log context, and Redis' state for
 * `/metrics`. The transport does not know the gateway: the gateway hands its namespace over (`attach`)
 * from its `afterInit`, once its own handshake middlewares are in place.
 */
@Injectable()
export class ChatInstrumentation implements OnModuleInit {
  private readonly logger = new Logger('ChatInstrumentation');

  constructor(
    private readonly fanout: ChatRedisFanout,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    if (this.fanout.enabled) this.metrics.watchRedis(() => this.fanout.connected);
  }

  /**
   * Instruments the namespace. Call it after every other `namespace.use`: the middleware it adds must
   * be the last one (see below).
   */
  attach(namespace: ChatServer): void {
    const deliveries = this.metrics.deliveries;
    if (!countDeliveries(namespace.adapter, (event, count) => deliveries.inc({ event }, count))) {
      this.logger.warn('The Socket.IO adapter has an unexpected shape: chatify_deliveries_total is not counted');
    }
    // Last of the handshake middlewares: what follows its `next` (the connection handlers, the
    // gateway's handleConnection) runs in the socket's log context, so their lines carry socketId.
    namespace.use((socket, next) => runWithSocketLog(socket, () => next()));
  }
}
