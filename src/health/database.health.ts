import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { Connection } from 'mongoose';

const PING_TIMEOUT_MS = 2000;

/**
 * Sends a real `ping` to the database. Terminus' Mongoose indicator only reads the connection's
 * `readyState`, which stays "connected" for seconds after the server died (and forever while it
 * hangs), so it would report a dead database as up.
 */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.indicator.check(key);
    const db = this.connection.db;
    if (this.connection.readyState !== 1 || !db) return indicator.down({ message: 'not connected' });
    let timer: NodeJS.Timeout | undefined;
    const ping = db.command({ ping: 1 });
    // A hung server answers late or never: the late rejection must not become an unhandled one.
    ping.catch(() => undefined);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), PING_TIMEOUT_MS);
    });
    try {
      await Promise.race([ping, timeout]);
      return indicator.up();
    } catch {
      return indicator.down({ message: `no answer within ${PING_TIMEOUT_MS} ms` });
    } finally {
      clearTimeout(timer);
    }
  }
}
