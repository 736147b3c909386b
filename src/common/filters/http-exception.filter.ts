import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';
import { RetryLaterException } from '../retry-later.exception';
import { toErrorBody } from './error-body';

/** The HTTP transport's one filter: contract-shaped errors, and no internals ever leak. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const response = host.switchToHttp().getResponse<Response>();
    const { body, known } = toErrorBody(exception);
    if (!known) {
      const errorId = randomUUID();
      this.logger.error({ errorId, err: exception }, `Unhandled error ${errorId}`);
    }
    if (response.headersSent) return;
    if (exception instanceof RetryLaterException) response.setHeader('Retry-After', String(exception.retryAfterSeconds));
    response.status(body.statusCode).json(body);
  }
}
