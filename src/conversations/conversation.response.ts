import { ApiProperty } from '@nestjs/swagger';
import { MessageResponse } from '../messages/message.response';

export type ConversationType = 'direct' | 'group';
export type MemberRole = 'admin' | 'member';

export class ConversationMemberResponse {
  @ApiProperty() userId: string;
  @ApiProperty({ enum: ['admin', 'member'] }) role: MemberRole;
}

export class ConversationResponse {
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

export class ConversationPageResponse {
  @ApiProperty({ type: [ConversationResponse] }) items: ConversationResponse[];
  @ApiProperty() hasMore: boolean;
}

export class ReadMarkResponse {
  @ApiProperty() conversationId: string;
  @ApiProperty() userId: string;
  @ApiProperty({ type: String, nullable: true }) readUpTo: string | null;
  @ApiProperty() unreadCount: number;
}

export class DeliveredMarkResponse {
  @ApiProperty() conversationId: string;
  @ApiProperty() userId: string;
  @ApiProperty({ type: String, nullable: true }) deliveredUpTo: string | null;
}
