import { HttpException, type ExecutionContext } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import type { ChatSocket } from './chat.socket';
import { SendRateLimitGuard } from './send-rate-limit.guard';

const contextOf = (socket: object) => ({ switchToWs: () => ({ getClient: () => socket }) }) as unknown as ExecutionContext;

describe('SendRateLimitGuard', () => {
  let now: number;
  let sut: SendRateLimitGuard;

  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    sut = new SendRateLimitGuard({ sendRateLimit: 2, sendRateWindowMs: 1000 } as AppConfig);
  });
  afterEach(() => jest.restoreAllMocks());

  it('lets SEND_RATE_LIMIT sends through per window, answers 429 beyond, and opens a new window later', () => {
    const socket = {} as ChatSocket;
    expect(sut.canActivate(contextOf(socket))).toBe(true);
    expect(sut.canActivate(contextOf(socket))).toBe(true);
    let refusal: unknown;
    try {
      sut.canActivate(contextOf(socket));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(HttpException);
    expect((refusal as HttpException).getStatus()).toBe(429);
    now += 1000;
    expect(sut.canActivate(contextOf(socket))).toBe(true);
  });

  it('counts each socket on its own', () => {
    const first = {} as ChatSocket;
    const second = {} as ChatSocket;
    sut.canActivate(contextOf(first));
    sut.canActivate(contextOf(first));
    expect(() => sut.canActivate(contextOf(first))).toThrow(HttpException);
    expect(sut.canActivate(contextOf(second))).toBe(true);
  });
});
