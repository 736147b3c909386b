import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection, Model } from 'mongoose';
import { RETIRED_INDEXES } from './retired-indexes';

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2000;

/** What `listIndexes` tells of one index. */
interface ListedIndex {
  name: string;
  /** Set by servers that list an index while it is still being built. */
  buildInProgress?: boolean;
}

/**
 * Creates every index the schemas declare and says when all of them are built.
 *
 * Why: a unique index that does not exist yet refuses nothing. Index builds may be asynchronous
 * (a MongoDB that receives a new index during a deploy builds it in the background; the development
 * database queues every build), so an instance that served requests before its indexes exist could
 * store two accounts with one e-mail. Until `ready` is true the HTTP layer answers 503 and sockets
 * are refused (`ReadinessGate`), and `/health` says why.
 */
@Injectable()
export class IndexReadiness implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('IndexReadiness');
  private isReady = false;
  private stopped = false;
  private done!: Promise<void>;
  /** Resolves once the build has begun: `whenReady` may be asked before this provider's own bootstrap hook ran. */
  private begin!: () => void;
  private readonly begun = new Promise<void>((resolve) => (this.begin = resolve));

  constructor(@Inject(getConnectionToken()) private readonly connection: Connection) {}

  /** True once every declared index of every model is built. */
  get ready(): boolean {
    return this.isReady;
  }

  /** Resolves once every declared index is built (retrying while the database is away). */
  whenReady(): Promise<void> {
    return this.begun.then(() => this.done);
  }

  onApplicationBootstrap(): void {
    // Not awaited: the server listens at once (answering 503) so that orchestrators see it alive.
    this.done = this.buildAll();
    this.done.catch(() => undefined);
    this.begin();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
  }

  private async buildAll(): Promise<void> {
    const started = Date.now();
    const models = Object.values(this.connection.models) as Model<unknown>[];
    let delay = FIRST_RETRY_MS;
    for (;;) {
      try {
        await Promise.all(models.map((model) => this.build(model)));
        break;
      } catch (error) {
        if (this.stopped) return;
        this.logger.warn(`indexes not ready yet (${error instanceof Error ? error.message : String(error)}); retrying`);
        await sleep(delay);
        delay = Math.min(delay * 2, MAX_RETRY_MS);
      }
    }
    this.isReady = true;
    this.logger.log(`all indexes of ${models.length} collections are built (${Date.now() - started} ms)`);
  }

  /** Asks for the model's indexes, then waits until the server lists each of them as built. */
  private async build(model: Model<unknown>): Promise<void> {
    await model.createCollection().catch((error: { codeName?: string; code?: number }) => {
      if (error?.code !== 48 && error?.codeName !== 'NamespaceExists') throw error;
    });
    await model.createIndexes();
    await this.dropRetired(model);
    const wanted = model.schema.indexes().map(([fields, options]) => (options?.name as string | undefined) ?? defaultIndexName(fields));
    let delay = FIRST_RETRY_MS;
    for (;;) {
      const listed = (await model.collection.listIndexes().toArray()) as ListedIndex[];
      const built = new Set(listed.filter((index) => !index.buildInProgress).map((index) => index.name));
      const missing = wanted.filter((name) => !built.has(name));
      if (missing.length === 0) return;
      if (this.stopped) throw new Error('shutting down');
      await sleep(delay);
      delay = Math.min(delay * 2, MAX_RETRY_MS / 4);
    }
  }

  /** Drops the collection's retired indexes that are still there (several instances may race: a missing one is fine). */
  private async dropRetired(model: Model<unknown>): Promise<void> {
    const retired = RETIRED_INDEXES[model.collection.collectionName] ?? [];
    if (retired.length === 0) return;
    const listed = new Set(((await model.collection.listIndexes().toArray()) as ListedIndex[]).map((index) => index.name));
    for (const name of retired.filter((index) => listed.has(index))) {
      await model.collection.dropIndex(name).catch((error: { codeName?: string; code?: number }) => {
        if (error?.code !== 27 && error?.codeName !== 'IndexNotFound') throw error;
      });
      this.logger.log(`dropped the retired index ${model.collection.collectionName}.${name}`);
    }
  }
}

/** The name MongoDB gives an index that was not named: `field_direction` pairs joined by `_`. */
function defaultIndexName(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .map(([field, direction]) => `${field}_${String(direction)}`)
    .join('_');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
