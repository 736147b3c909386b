import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * A 429 that knows when to come back: the HTTP filter sends `Retry-After` (whole seconds) with it, the
 * socket filter `retryAfterMs` in the ack's error.
 */
export class RetryLaterException extends HttpException {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    readonly retryAfterMs = retryAfterSeconds * 1000,
  ) {
    super(message, HttpStatus.TOO_MANY_REQUESTS);
  }
}
