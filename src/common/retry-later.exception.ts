import { HttpException, HttpStatus } from '@nestjs/common';

/** A 429 that knows when to come back: the HTTP filter sends `Retry-After` with it. */
export class RetryLaterException extends HttpException {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, HttpStatus.TOO_MANY_REQUESTS);
  }
}
