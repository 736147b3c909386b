import { ApiProperty } from '@nestjs/swagger';
import type { Conversation, ConversationMember, ConversationPage, ConversationType, MemberRole } from '../contract';
import { MessageResponse } from './message-snapshot.response';

export type { ConversationType, MemberRole } from '../contract';

export class ConversationMemberResponse implements ConversationMember {
  @ApiProperty() userId: string;
  @ApiProperty({ enum: ['admin', 'member'] }) role: MemberRole;
}

export class ConversationResponse implements Conversation {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['direct', 'group'] }) type: ConversationType;
  /** `null` for direct conversations. */
  @ApiProperty({ type: String, nullable: true }) title: string | null;
  @ApiProperty({ type: [ConversationMemberResponse] }) members: ConversationMemberResponse[];
  @ApiProperty({ type: () => MessageResponse, nullable: true }) lastMessage: MessageResponse | null;
  /** Messages from others after the caller's read mark. */
  @ApiProperty() unreadCount: number;
  /** Messages after the caller's read mark that mention the caller. */
  @ApiProperty() mentionCount: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time', description: 'last activity' }) updatedAt: string;
}

export class ConversationPageResponse implements ConversationPage {
  @ApiProperty({ type: [ConversationResponse] }) items: ConversationResponse[];
  @ApiProperty() hasMore: boolean;
}
