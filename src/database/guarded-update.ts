import { Inject, Injectable, Logger } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Collection, Document, UpdateFilter } from 'mongodb';
import type { Connection, Types } from 'mongoose';
import { AppConfig } from '../config/app-config';

/**
 * How a guarded update ("set X only if the stored value is still below Y") runs.
 * - `filter`: the guard is part of the update's filter, so the server applies check and write
 *   atomically (MongoDB; correct across any number of app instances).
 * - `document`: the document is read by `_id`, checked here, and written by `_id`. Used on FerretDB
 *   v1, which serves a filter from an index only when it is a lone `_id` (any other filter scans the
 *   whole collection) and does not apply updates atomically anyway. Callers run it inside the
 *   per-document write queue, so it is exact within one instance (FerretDB: run one instance).
 */
export type GuardMode = 'filter' | 'document';

export interface Guard<T> {
  /** The guard as a filter (`filter` mode). */
  filter: Record<string, unknown>;
  /** The same guard as a test of the stored document (`document` mode). */
  test: (stored: T) => boolean;
}

/** Chooses the guard mode once, from the database server itself (or DB_GUARDED_UPDATES). */
@Injectable()
export class GuardedUpdates {
  private readonly logger = new Logger('GuardedUpdates');
  private modePromise: Promise<GuardMode> | null = null;

  constructor(
    @Inject(getConnectionToken()) private readonly connection: Connection,
    private readonly config: AppConfig,
  ) {}

  mode(): Promise<GuardMode> {
    this.modePromise ??= this.detect();
    return this.modePromise;
  }

  /** Applies `update` to document `id` if `guard` holds; true when it did. */
  // The driver's collection type is invariant in its schema; Mongoose hands out untyped ones anyway.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async apply<T>(collection: Collection<any>, id: Types.ObjectId, guard: Guard<T>, update: UpdateFilter<Document>): Promise<boolean> {
    if ((await this.mode()) === 'filter') {
      const result = await collection.updateOne({ _id: id, ...guard.filter }, update);
      return result.matchedCount > 0;
    }
    const stored = await collection.findOne({ _id: id });
    if (!stored || !guard.test(stored as unknown as T)) return false;
    await collection.updateOne({ _id: id }, update);
    return true;
  }

  private async detect(): Promise<GuardMode> {
    if (this.config.guardedUpdates !== 'auto') return this.config.guardedUpdates;
    try {
      const info = await this.connection.db!.admin().command({ buildInfo: 1 });
      const mode: GuardMode = info.ferretdbVersion ? 'document' : 'filter';
      this.logger.log(`database ${info.ferretdbVersion ? `FerretDB ${info.ferretdbVersion}` : `MongoDB ${info.version}`}: guarded updates by ${mode}`);
      return mode;
    } catch {
      this.modePromise = null;
      return 'filter';
    }
  }
}
