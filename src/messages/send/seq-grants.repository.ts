import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { AnyObject, Model, Types } from 'mongoose';
import { sendGrantFilter } from '../../conversations/conversation-access';
import { toSnapshot, toSnapshotFields } from '../../conversations/conversations.repository';
import { Conversation, LastMessageSnapshot } from '../../conversations/schemas/conversation.schema';
import { inIdOrder } from '../../database/query-helpers';
import { GrantedConversation, SeenConversation, SeenConversations } from './seen-conversations';

/** The members a batch of sends needs: who gets the messages, and the kind of conversation. */
export type { GrantedConversation };

/**
 * A request for `count` consecutive message numbers in a conversation: `memberIds` (the senders and
 * the users they mention) must all be members. The same update writes what the numbers make true:
 * the list summary shows the newest of them, and each sender's own newest message (sending implies
 * reading: `sentUpTo`).
 */
export interface SeqRequest {
  conversationId: Types.ObjectId;
  memberIds: Types.ObjectId[];
  count: number;
  /** The request's newest message, less its number (it gets `firstSeq + count - 1`). */
  last: Omit<LastMessageSnapshot, 'seq'>;
  /** Per sender: the position (1 … count) of its last message in the request, and that message's id. */
  senders: { userId: Types.ObjectId; position: number; messageId: Types.ObjectId }[];
  /** When the messages were sent (their `createdAt`). */
  at: Date;
}

/** The numbers granted: `firstSeq` … `firstSeq + count - 1`; the conversation as the grant saw it. */
export interface SeqGrant {
  firstSeq: number;
  conversation: GrantedConversation;
}

/**
 * How many recent grants a conversation remembers, so that a batch can read its own back (kept short:
 * every update of the conversation rewrites the document). A grant pushed out before its batch read
 * it back (16 other batches in between) costs a gap: the batch asks again message by message.
 */
const SEQ_GRANTS_KEPT = 16;

/**
 * The send path's writes to the conversations collection: message numbers (with the summary and the
 * senders' marks they make true) and putting a summary back when its message was not stored. The
 * conversations and their members are ConversationsRepository's; this one only numbers sends, with
 * the access rule's own filter (`sendGrantFilter`).
 */
@Injectable()
export class SeqGrantsRepository {
  constructor(@InjectModel(Conversation.name) private readonly conversations: Model<Conversation>) {}

  /** Each conversation's `seq` and members as this instance last saw them (grantSeqs). */
  private readonly seen = new SeenConversations();

  /**
   * Hands out `count` consecutive numbers in each requested conversation, in one round trip for all
   * of them, each in the same atomic update that checks what the sends need: every sender and every
   * mentioned user is a member, and (direct conversations) neither member blocks the other. A
   * request whose check fails gets no grant: no number is used up. The update also writes the list
   * summary (the request's newest message) and the senders' `sentUpTo`, so a batch of sends updates
   * one document per conversation. One conversation: one `findAndModify`. Several: one bulk of
   * pipeline updates, each recording its grant (batch id → last number) in the document.
   *
   * A bulk write does not say what each update found, so the numbers are known without reading the
   * documents back only where this instance knows the conversation's `seq` and members (`seen`): the
   * update's filter then also requires exactly those, and when every update of the bulk matched,
   * each got the numbers after the `seq` it required. Otherwise (another instance wrote meanwhile,
   * the members changed, a refusal) one read finds the grants by their batch id, and a conversation
   * whose expectation was stale is asked again without one.
   *
   * The summary is written just before its messages are stored: a reader may see it a moment early,
   * and a batch whose message then fails puts the previous one back (`restoreSummary`).
   */
  grantSeqs(requests: SeqRequest[], batchId: string): Promise<Map<string, SeqGrant>> {
    return this.grant(requests, batchId, true);
  }

  private async grant(requests: SeqRequest[], batchId: string, useSeen: boolean): Promise<Map<string, SeqGrant>> {
    const grants = new Map<string, SeqGrant>();
    if (requests.length === 0) return grants;
    const projection = { _id: 1, type: 1, memberIds: 1, seq: 1, seqGrants: 1 };
    if (requests.length === 1) {
      const [request] = requests;
      const conversation = (await this.conversations.collection.findOneAndUpdate(guard(request), grantUpdate(request, null), {
        returnDocument: 'after',
        projection,
      })) as GrantRead | null;
      if (conversation) {
        this.seen.remember(conversation);
        grants.set(request.conversationId.toHexString(), { firstSeq: conversation.seq - request.count + 1, conversation: granted(conversation) });
      }
      return grants;
    }
    const ordered = inIdOrder(requests, (request) => request.conversationId);
    const expected = ordered.map((request) => (useSeen ? this.seen.expect(request) : undefined));
    const result = await this.conversations.collection.bulkWrite(
      ordered.map((request, index) => ({ updateOne: { filter: guard(request, expected[index]), update: grantUpdate(request, batchId) } })),
      { ordered: false },
    );
    const unknown: SeqRequest[] = [];
    if (result.matchedCount === ordered.length) {
      // Every update matched: where it required a `seq`, its numbers follow that `seq`.
      ordered.forEach((request, index) => {
        const seen = expected[index];
        if (!seen) return unknown.push(request);
        grants.set(request.conversationId.toHexString(), { firstSeq: seen.seq + 1, conversation: seen.conversation });
        this.seen.advance(seen, request.count);
      });
      if (unknown.length === 0) return grants;
    } else unknown.push(...ordered);
    const counts = new Map(unknown.map((request) => [request.conversationId.toHexString(), request.count]));
    const stored = (await this.conversations.collection.find({ _id: { $in: unknown.map((request) => request.conversationId) } }, { projection }).toArray()) as GrantRead[];
    for (const conversation of stored) {
      this.seen.remember(conversation);
      const grant = conversation.seqGrants?.find((entry) => entry.batch === batchId);
      const count = counts.get(conversation._id.toHexString());
      if (grant && count) grants.set(conversation._id.toHexString(), { firstSeq: grant.last - count + 1, conversation: granted(conversation) });
    }
    // An expectation that did not hold (another instance's numbers, a change of members) asks again
    // without one; a conversation that refuses then is refused as before.
    const stale = ordered.filter((request, index) => expected[index] && !grants.has(request.conversationId.toHexString()));
    if (stale.length > 0) {
      for (const [key, grant] of await this.grant(stale, `${batchId}.again`, false)) grants.set(key, grant);
    }
    return grants;
  }

  /**
   * The summary still shows message `failedSeq`, whose grant wrote it but which was not stored: show
   * `newest` (the newest stored message, or none) instead. A no-op once a later grant wrote its own.
   */
  async restoreSummary(conversationId: Types.ObjectId, failedSeq: number, newest: LastMessageSnapshot | null): Promise<void> {
    await this.conversations.collection.updateOne(
      { _id: conversationId, lastMessageSeq: failedSeq },
      { $set: { lastMessage: newest ? toSnapshot(newest) : null, lastMessageSeq: newest?.seq ?? 0 } },
    );
  }
}

/** A conversation as a grant reads it. */
type GrantRead = GrantedConversation & { seq: number; seqGrants?: { batch: string; last: number }[] };

function granted({ _id, type, memberIds }: GrantRead): GrantedConversation {
  return { _id, type, memberIds };
}

/**
 * What a grant requires of the conversation: the access rule (`sendGrantFilter`: the senders and the
 * users they mention are members, no block stands); and, with an expectation, exactly that `seq` and
 * those members.
 */
function guard(request: SeqRequest, expected?: SeenConversation): AnyObject {
  const filter = sendGrantFilter(request.conversationId, request.memberIds);
  if (expected) {
    filter.seq = expected.seq;
    filter.memberIds = { $all: request.memberIds, $eq: expected.conversation.memberIds };
  }
  return filter;
}

/**
 * The grant's pipeline update. Every `$seq` in one `$set` stage is the number before this grant, so
 * the summary and the senders' marks get the numbers the grant hands out. Stored values go in as
 * `$literal`: a text starting with `$` would otherwise be read as a field path.
 */
function grantUpdate(request: SeqRequest, batchId: string | null): AnyObject[] {
  const numbered = (position: number) => ({ $add: ['$seq', position] });
  const sent: Record<string, unknown> = {};
  for (const sender of request.senders) {
    sent[sender.userId.toHexString()] = { seq: numbered(sender.position), id: { $literal: sender.messageId }, at: { $literal: request.at } };
  }
  const set: AnyObject = {
    seq: numbered(request.count),
    lastMessage: { $mergeObjects: [{ $literal: toSnapshotFields(request.last) }, { seq: numbered(request.count) }] },
    lastMessageSeq: numbered(request.count),
    // Another instance's clock may be a little behind: the list order never goes back.
    lastActivityAt: { $max: ['$lastActivityAt', { $literal: request.at }] },
    sentUpTo: { $mergeObjects: [{ $ifNull: ['$sentUpTo', {}] }, sent] },
  };
  if (batchId !== null) {
    set.seqGrants = { $slice: [{ $concatArrays: [{ $ifNull: ['$seqGrants', []] }, [{ batch: batchId, last: numbered(request.count) }]] }, -SEQ_GRANTS_KEPT] };
  }
  return [{ $set: set }];
}
