import type { MessageRecord } from './messages.repository';

/**
 * The messages this instance stored recently with a clientId, by id (which derives from sender and
 * clientId). A client retries a send whose ack it lost within seconds, usually on the same
 * instance: this answers the retry without a database look-up. It is only a shortcut: when it has
 * forgotten, the primary key still refuses a second copy at the insert.
 */
export class RecentSends {
  private readonly messages = new Map<string, MessageRecord>();

  constructor(private readonly capacity = 20_000) {}

  get(id: string): MessageRecord | undefined {
    return this.messages.get(id);
  }

  remember(message: MessageRecord): void {
    const id = message._id.toHexString();
    this.messages.delete(id);
    this.messages.set(id, message);
    // A Map iterates in insertion order: the first key is the oldest.
    if (this.messages.size > this.capacity) this.messages.delete(this.messages.keys().next().value as string);
  }

  /** An edit or delete changed it: the next retry must see the stored state. */
  forget(id: string): void {
    this.messages.delete(id);
  }
}
