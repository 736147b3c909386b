import { CallHandler, Injectable, NestInterceptor, ServiceUnavailableException } from '@nestjs/common';
import { from, lastValueFrom, Observable } from 'rxjs';
import { InFlightWork } from './in-flight-work';

/**
 * Counts every socket handler as in-flight work so a graceful shutdown waits for its write, and
 * refuses new events (503) once shutdown began. The handler is run to completion on its own
 * subscription: a client that disconnects mid-write must not make the shutdown stop waiting for it.
 */
@Injectable()
export class TrackInFlightInterceptor implements NestInterceptor {
  constructor(private readonly work: InFlightWork) {}

  intercept(_context: unknown, next: CallHandler): Observable<unknown> {
    if (this.work.closing) {
      throw new ServiceUnavailableException('The server is shutting down; reconnect and try again');
    }
    return from(this.work.track(lastValueFrom(next.handle(), { defaultValue: undefined })));
  }
}
