import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ConversationAccess } from '../conversations/conversation-access';
import { ChatBroadcaster } from './chat.broadcaster';
import type { TypingPayload } from './chat.events';
import type { ChatSocket } from '../realtime/chat.socket';

/**
 * Typing indicators: checked against membership, relayed to the other members only (not to the typer's
 * own other tabs, nor to members with a block between them and the typer), never stored. `typing: true`
 * is throttled per socket and conversation (a client sends it on every keystroke); `typing: false` is
 * relayed once after each relayed start (so an indicator never sticks) and is otherwise answered
 * without a database read or a broadcast.
 */
@Injectable()
export class TypingRelayService {
  /** When each socket last relayed `typing: true`, per conversation. Dies with the socket. */
  private readonly lastRelayed = new WeakMap<ChatSocket, Map<string, number>>();

  constructor(
    private readonly access: ConversationAccess,
    private readonly broadcaster: ChatBroadcaster,
    private readonly config: AppConfig,
  ) {}

  async relay(socket: ChatSocket, { conversationId, typing }: TypingPayload): Promise<void> {
    const userId = socket.data.user.userId;
    let relayed = this.lastRelayed.get(socket);
    if (!relayed) {
      relayed = new Map();
      this.lastRelayed.set(socket, relayed);
    }
    const now = Date.now();
    const previous = relayed.get(conversationId);
    if (typing) {
      if (previous !== undefined && now - previous < this.config.typingThrottleMs) return;
      // Claimed before the membership check so two quick events cannot both pass.
      relayed.set(conversationId, now);
    } else {
      // A stop is relayed once per relayed start: any other stop has nothing to clear, and costs nothing.
      if (previous === undefined) return;
      relayed.delete(conversationId);
    }
    let audience: string[];
    try {
      // Members only; typing stops both ways between users with a block between them.
      audience = await this.access.typingAudience(conversationId, userId);
    } catch (error) {
      if (relayed.get(conversationId) === now) relayed.delete(conversationId);
      throw error;
    }
    this.broadcaster.toUsers(audience, 'typing', { conversationId, userId, typing });
  }
}
