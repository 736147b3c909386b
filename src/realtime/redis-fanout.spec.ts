import { Logger } from '@nestjs/common';
import { createServer } from 'node:net';
import { ChatRedisFanout } from './redis-fanout';

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('ChatRedisFanout', () => {
  it('without REDIS_URL: no adapter (single instance, in-memory rooms)', async () => {
    const sut = await ChatRedisFanout.connect({ redisUrl: null });
    expect(sut.enabled).toBe(false);
    expect(sut.createAdapter()).toBeNull();
    await expect(sut.onApplicationShutdown()).resolves.toBeUndefined();
  });

  it('refuses to start, in bounded time and with a readable reason, when Redis does not answer', async () => {
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const port = await closedPort();
    const started = Date.now();
    await expect(ChatRedisFanout.connect({ redisUrl: `redis://127.0.0.1:${port}` }, 300)).rejects.toThrow(/Redis \(REDIS_URL\) did not answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(warned).toHaveBeenCalledWith(expect.stringContaining('ECONNREFUSED'));
    warned.mockRestore();
  });
});
