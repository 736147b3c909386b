import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { toErrorBody } from '../common/filters/error-body';
import { RetryLaterException } from '../common/retry-later.exception';
import type { Ack } from './chat.events';
import type { ChatSocket } from '../realtime/chat.socket';

/** Where Nest puts the client's ack callback among a socket handler's arguments: (socket, payload, ack). */
export const ACK_ARGUMENT_INDEX = 2;

/**
 * The socket transport's one filter: whatever a handler, guard or pipe throws is answered through the
 * ack callback as `{ ok: false, error: { status, message } }`, in the same words REST would use.
 * Unknown errors are logged with an id and answered as a bare 500. The socket stays connected. A rate
 * limit's 429 says when to come back (`retryAfterMs`), as REST's `Retry-After` does.
 */
@Catch()
export class WsExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('WsExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const { body, known } = toErrorBody(exception);
    if (!known) {
      const errorId = randomUUID();
      this.logger.error({ errorId, err: exception }, `Unhandled socket error ${errorId}`);
    }
    const socket = host.switchToWs().getClient<ChatSocket>();
    const ack: unknown = host.getArgByIndex(ACK_ARGUMENT_INDEX);
    // A socket that was dropped (expired token) has already been answered.
    if (typeof ack !== 'function' || !socket.connected) return;
    const error = { status: body.statusCode, message: body.message };
    const answer: Ack<never> = { ok: false, error: exception instanceof RetryLaterException ? { ...error, retryAfterMs: exception.retryAfterMs } : error };
    (ack as (answer: Ack<never>) => void)(answer);
  }
}
