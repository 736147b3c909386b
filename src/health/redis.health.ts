import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { createClient } from 'redis';
import { AppConfig } from '../config/app-config';

/** Pings Redis when REDIS_URL is configured; reports "not configured" (up) otherwise. */
@Injectable()
export class RedisHealthIndicator implements OnModuleDestroy {
  private client: ReturnType<typeof createClient> | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.indicator.check(key);
    if (!this.config.redisUrl) return indicator.up({ configured: false });
    try {
      if (!this.client) {
        this.client = createClient({ url: this.config.redisUrl, socket: { connectTimeout: 2000, reconnectStrategy: false } });
        this.client.on('error', () => undefined);
      }
      if (!this.client.isOpen) await this.client.connect();
      await Promise.race([this.client.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000))]);
      return indicator.up();
    } catch {
      await this.client?.disconnect().catch(() => undefined);
      this.client = null;
      return indicator.down({ message: 'Redis did not answer' });
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.client?.isOpen) await this.client.quit().catch(() => undefined);
  }
}
