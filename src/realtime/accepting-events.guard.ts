import { CanActivate, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { InFlightWork } from './in-flight-work';

/**
 * Refuses socket events (503) once a graceful shutdown began. The last guard of every handler (see
 * `OnClientEvent` in the gateway), so an expired token still gets its 401 and a rate limit still
 * counts first, as when this was an interceptor. The handler's work itself is tracked by the adapter
 * (ChatIoAdapter), which holds the promise of every event it dispatches: a guard cannot see a handler
 * finish, and an RxJS interceptor cost every event more than the handler's own checks.
 */
@Injectable()
export class AcceptingEventsGuard implements CanActivate {
  constructor(private readonly work: InFlightWork) {}

  canActivate(): boolean {
    if (this.work.closing) {
      throw new ServiceUnavailableException('The server is shutting down; reconnect and try again');
    }
    return true;
  }
}
