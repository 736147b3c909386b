import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { IndexReadiness } from '../../database/index-readiness';
import { MessagesRepository } from '../messages.repository';

/**
 * The stemmer before snowball-stemmers read its exceptions from a plain object, so the word
 * "constructor" stemmed to `Object.prototype.constructor`, which was stored as this text. Searches
 * now ask for `constructor`: once the indexes are built, messages stored with the old term are
 * given the new one (found through the text index, so this costs nothing on a database without
 * such messages). Idempotent, and safe with several instances doing it at once.
 */
export const LEGACY_CONSTRUCTOR_TERM = String(Object);

@Injectable()
export class SearchTermsRepair implements OnApplicationBootstrap {
  private readonly logger = new Logger('SearchTermsRepair');

  constructor(
    private readonly messages: MessagesRepository,
    private readonly indexes: IndexReadiness,
  ) {}

  onApplicationBootstrap(): void {
    // Not awaited: start-up does not wait for it, and a failure (the database away) is tried again at the next start.
    void this.run();
  }

  /** Resolves when the repair is done (or failed, logged). */
  async run(): Promise<void> {
    try {
      await this.indexes.whenReady();
      // Shut down before the indexes were built: nothing to do until the next start.
      if (!this.indexes.ready) return;
      const repaired = await this.messages.replaceSearchTerm('constructor', LEGACY_CONSTRUCTOR_TERM, 'constructor');
      if (repaired > 0) this.logger.log(`gave ${repaired} message(s) the search term "constructor" in place of the old stemmer's`);
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not repair old search terms; the next start tries again');
    }
  }
}
