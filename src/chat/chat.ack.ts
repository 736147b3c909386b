import type { Ack } from './chat.events';

/** The successful ack: handlers return it and Nest hands it to the client's ack callback. */
export function ok<T>(data: T): Ack<T> {
  return { ok: true, data };
}
