import 'reflect-metadata';
import { GUARDS_METADATA } from '@nestjs/common/constants';
import { MESSAGE_METADATA } from '@nestjs/websockets/constants';
import { AcceptingEventsGuard } from '../realtime/accepting-events.guard';
import { SocketRateLimitGuard } from '../realtime/socket-rate-limit.guard';
import { ChatGateway } from './chat.gateway';

describe('ChatGateway handlers', () => {
  it('end with AcceptingEventsGuard, after their rate limit (as the interceptor it replaced ran)', () => {
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
