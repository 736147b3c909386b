import { ServiceUnavailableException } from '@nestjs/common';
import { AcceptingEventsGuard } from './accepting-events.guard';
import { InFlightWork } from './in-flight-work';

describe('AcceptingEventsGuard', () => {
  it('lets events through until shutdown begins, then refuses them with 503', () => {
    const work = new InFlightWork();
    const sut = new AcceptingEventsGuard(work);
    expect(sut.canActivate()).toBe(true);
    work.close();
    expect(() => sut.canActivate()).toThrow(ServiceUnavailableException);
    expect(() => sut.canActivate()).toThrow('The server is shutting down; reconnect and try again');
  });
});
