import 'reflect-metadata';
import { ServiceUnavailableException } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants';
import { MESSAGE_METADATA } from '@nestjs/websockets/constants';
import { AcceptingEventsGuard } from './accepting-events.guard';
import { ChatGateway } from '../chat/chat.gateway';
import { InFlightWork } from './in-flight-work';
import { SocketRateLimitGuard } from './socket-rate-limit.guard';

describe('AcceptingEventsGuard', () => {
  it('lets events through until shutdown begins, then refuses them with 503', () => {
    const work = new InFlightWork();
    const sut = new AcceptingEventsGuard(work);
    expect(sut.canActivate()).toBe(true);
    work.close();
    expect(() => sut.canActivate()).toThrow(ServiceUnavailableException);
    expect(() => sut.canActivate()).toThrow('The server is shutting down; reconnect and try again');
  });

  it('is the last guard of every socket handler, after its rate limit (as the interceptor it replaces ran)', () => {
    const prototype = ChatGateway.prototype as unknown as Record<string, unknown>;
    const handlers = Object.getOwnPropertyNames(prototype)
      .map((name) => prototype[name])
      .filter((member): member is object => typeof member === 'function' && Reflect.getMetadata(MESSAGE_METADATA, member) !== undefined);
    expect(handlers.length).toBeGreaterThanOrEqual(8);
    for (const handler of handlers) {
      const guards = (Reflect.getMetadata(GUARDS_METADATA, handler) ?? []) as unknown[];
      expect(guards[guards.length - 1]).toBe(AcceptingEventsGuard);
    }
    expect(Reflect.getMetadata(GUARDS_METADATA, ChatGateway.prototype.send)).toEqual([SocketRateLimitGuard, AcceptingEventsGuard]);
  });
});
