import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuthUser, CurrentUser } from '../common/decorators/current-user.decorator';
import { ParseObjectIdPipe } from '../common/pipes/parse-object-id.pipe';
import { RateLimit } from '../common/rate-limit';
import { ConversationPageResponse, ConversationResponse } from './conversation.response';
import { ConversationsService } from './conversations.service';
import { AddMembersDto, CreateConversationDto, RenameConversationDto } from './dto/create-conversation.dto';
import { ListConversationsQuery } from './dto/list-conversations.query';

@ApiTags('conversations')
@ApiBearerAuth()
@Controller('api/v1/conversations')
export class ConversationsController {
  constructor(private readonly conversations: ConversationsService) {}

  /** Direct: the pair's one conversation (201 when created, 200 when it existed). Group: 201. */
  @Post()
  @RateLimit('conversation')
  @ApiCreatedResponse({ type: ConversationResponse })
  @ApiOkResponse({ type: ConversationResponse, description: 'direct conversation that already existed' })
  async create(@CurrentUser() caller: AuthUser, @Body() body: CreateConversationDto, @Res({ passthrough: true }) response: Response): Promise<ConversationResponse> {
    const { conversation, created } = await this.conversations.create(caller.userId, body);
    response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return conversation;
  }

  @Get()
  @ApiOkResponse({ type: ConversationPageResponse })
  list(@CurrentUser() caller: AuthUser, @Query() query: ListConversationsQuery): Promise<ConversationPageResponse> {
    return this.conversations.list(caller.userId, query.limit, query.before);
  }

  @Get(':id')
  @ApiOkResponse({ type: ConversationResponse })
  get(@CurrentUser() caller: AuthUser, @Param('id', ParseObjectIdPipe) id: string): Promise<ConversationResponse> {
    return this.conversations.getForMember(id, caller.userId);
  }

  @Patch(':id')
  @RateLimit('members')
  @ApiOkResponse({ type: ConversationResponse })
  rename(@CurrentUser() caller: AuthUser, @Param('id', ParseObjectIdPipe) id: string, @Body() body: RenameConversationDto): Promise<ConversationResponse> {
    return this.conversations.rename(id, caller.userId, body.title);
  }

  @Post(':id/members')
  @RateLimit('members')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: ConversationResponse })
  addMembers(@CurrentUser() caller: AuthUser, @Param('id', ParseObjectIdPipe) id: string, @Body() body: AddMembersDto): Promise<ConversationResponse> {
    return this.conversations.addMembers(id, caller.userId, body.userIds);
  }

  @Delete(':id/members/:userId')
  @RateLimit('members')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse()
  removeMember(@CurrentUser() caller: AuthUser, @Param('id', ParseObjectIdPipe) id: string, @Param('userId', ParseObjectIdPipe) userId: string): Promise<void> {
    return this.conversations.removeMember(id, caller.userId, userId);
  }
}
