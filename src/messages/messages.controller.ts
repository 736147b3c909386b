import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuthUser, CurrentUser } from '../common/decorators/current-user.decorator';
import { ParseObjectIdPipe } from '../common/pipes/parse-object-id.pipe';
import { RateLimit } from '../common/rate-limit';
import { SyncQuery } from './dto/message-page.query';
import { EditMessageDto, SendMessageDto } from './dto/send-message.dto';
import { MessageResponse } from './message.response';
import { MessagesService } from './messages.service';
import { SyncResponse } from './sync.response';
import { SyncService } from './sync.service';

@ApiTags('messages')
@ApiBearerAuth()
@Controller('api/v1')
export class MessagesController {
  constructor(
    private readonly messages: MessagesService,
    private readonly syncService: SyncService,
  ) {}

  /** 201 with the stored message; 200 with the first one for a repeated clientId. */
  @Post('messages')
  @RateLimit('send')
  @ApiCreatedResponse({ type: MessageResponse })
  @ApiOkResponse({ type: MessageResponse, description: 'a retry: the message first stored with this clientId' })
  async send(@CurrentUser() caller: AuthUser, @Body() body: SendMessageDto, @Res({ passthrough: true }) response: Response): Promise<MessageResponse> {
    const { message, created } = await this.messages.send(caller.userId, body);
    response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return message;
  }

  @Patch('messages/:id')
  @RateLimit('edit')
  @ApiOkResponse({ type: MessageResponse })
  edit(@CurrentUser() caller: AuthUser, @Param('id', ParseObjectIdPipe) id: string, @Body() body: EditMessageDto): Promise<MessageResponse> {
    return this.messages.edit(caller.userId, id, body.text);
  }

  @Delete('messages/:id')
  @RateLimit('edit')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse()
  remove(@CurrentUser() caller: AuthUser, @Param('id', ParseObjectIdPipe) id: string): Promise<void> {
    return this.messages.remove(caller.userId, id);
  }

  /** Adding one's existing reaction again is a no-op (members only). */
  @Put('messages/:id/reactions/:emoji')
  @RateLimit('reaction')
  @ApiParam({ name: 'emoji', description: 'one emoji, URL-encoded (e.g. %F0%9F%91%8D for 👍)' })
  @ApiOkResponse({ type: MessageResponse })
  @ApiConflictResponse({ description: 'the message is deleted, or already has 20 different emoji' })
  react(@CurrentUser() caller: AuthUser, @Param('id', ParseObjectIdPipe) id: string, @Param('emoji') emoji: string): Promise<MessageResponse> {
    return this.messages.react(caller.userId, id, emoji, true);
  }

  /** Removing an absent reaction is a no-op. */
  @Delete('messages/:id/reactions/:emoji')
  @RateLimit('reaction')
  @ApiParam({ name: 'emoji', description: 'one emoji, URL-encoded' })
  @ApiOkResponse({ type: MessageResponse })
  unreact(@CurrentUser() caller: AuthUser, @Param('id', ParseObjectIdPipe) id: string, @Param('emoji') emoji: string): Promise<MessageResponse> {
    return this.messages.react(caller.userId, id, emoji, false);
  }

  @Get('sync')
  @RateLimit('sync')
  @ApiOkResponse({ type: SyncResponse })
  sync(@CurrentUser() caller: AuthUser, @Query() query: SyncQuery): Promise<SyncResponse> {
    return this.syncService.sync(caller.userId, query.since);
  }
}
