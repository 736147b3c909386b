import { BadRequestException } from '@nestjs/common';
import { Types } from 'mongoose';
import { createHmac, KeyObject, timingSafeEqual } from 'node:crypto';
import { isObjectId } from '../common/object-id';

/** A position in one change stream: changes after (at, id) in (changedAt, _id) order; no id = at or after `at`. */
export interface SyncPosition {
  at: Date;
  id: Types.ObjectId | null;
}

/**
 * The cursor: when it was issued and, per stream (messages, receipts, conversations, blocks), the position
 * read up to. Only the server makes cursors: each is signed, so a client cannot move a position
 * back (to replay conversations it has left) or invent one.
 */
export interface SyncCursor {
  issuedAt: number;
  messages: SyncPosition;
  receipts: SyncPosition;
  conversations: SyncPosition;
  /** Blocks and unblocks involving the caller (either side). */
  blocks: SyncPosition;
}

const MALFORMED = 'since is not a valid sync cursor';
const VERSION = 2;

/** The cursor signing key, derived from the access-token secret (a separate purpose, so a separate key). */
export function syncCursorKey(jwtKey: KeyObject): Buffer {
  return createHmac('sha256', jwtKey).update('chatify:sync-cursor:v2').digest();
}

/** Encodes and signs cursors, and verifies and decodes them (400 for anything the server did not sign). */
export class SyncCursorCodec {
  constructor(private readonly key: Buffer) {}

  encode(cursor: SyncCursor): string {
    const position = (p: SyncPosition) => [p.at.getTime(), p.id ? p.id.toHexString() : null];
    const body = Buffer.from(
      JSON.stringify({
        v: VERSION,
        i: cursor.issuedAt,
        m: position(cursor.messages),
        r: position(cursor.receipts),
        c: position(cursor.conversations),
        b: position(cursor.blocks),
      }),
    ).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  decode(text: string): SyncCursor {
    const [body, signature, ...rest] = text.split('.');
    if (!body || !signature || rest.length > 0 || !this.verify(body, signature)) throw new BadRequestException(MALFORMED);
    let raw: unknown;
    try {
      raw = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw new BadRequestException(MALFORMED);
    }
    const record = raw as { v?: unknown; i?: unknown; m?: unknown; r?: unknown; c?: unknown; b?: unknown };
    if (!record || typeof record !== 'object' || record.v !== VERSION || !isTime(record.i) || record.i > Date.now() + 60_000) {
      throw new BadRequestException(MALFORMED);
    }
    const conversations = toPosition(record.c);
    // Cursors signed before blocks were synced have no `b`: their block stream starts where conversations do.
    const blocks = record.b === undefined ? conversations : toPosition(record.b);
    return { issuedAt: record.i, messages: toPosition(record.m), receipts: toPosition(record.r), conversations, blocks };
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }

  private verify(body: string, signature: string): boolean {
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function toPosition(value: unknown): SyncPosition {
  if (!Array.isArray(value) || value.length !== 2 || !isTime(value[0]) || (value[1] !== null && !isObjectId(value[1]))) {
    throw new BadRequestException(MALFORMED);
  }
  return { at: new Date(value[0]), id: value[1] === null ? null : new Types.ObjectId(value[1] as string) };
}
