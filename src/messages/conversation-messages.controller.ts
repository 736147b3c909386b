import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../common/decorators/current-user.decorator';
import { ParseObjectIdPipe } from '../common/pipes/parse-object-id.pipe';
import { DeliveredMarkResponse, ReadMarkResponse } from '../conversations/conversation.response';
import { MessagePageQuery } from './dto/message-page.query';
import { MarkMessageDto } from './dto/send-message.dto';
import { MessagePageResponse } from './message.response';
import { MessagesService } from './messages.service';
import { ReceiptsService } from '../receipts/receipts.service';

/** A conversation's history and the caller's watermarks in it. */
@ApiTags('conversations')
@ApiBearerAuth()
@Controller('api/v1/conversations/:id')
export class ConversationMessagesController {
  constructor(
    private readonly messages: MessagesService,
    private readonly receipts: ReceiptsService,
  ) {}

  @Get('messages')
  @ApiOkResponse({ type: MessagePageResponse })
  page(@CurrentUser() caller: AuthUser, @Param('id', ParseObjectIdPipe) id: string, @Query() query: MessagePageQuery): Promise<MessagePageResponse> {
    return this.messages.page(caller.userId, id, query);
  }

  @Post('read')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: ReadMarkResponse })
  read(@CurrentUser() caller: AuthUser, @Param('id', ParseObjectIdPipe) id: string, @Body() body: MarkMessageDto): Promise<ReadMarkResponse> {
    return this.receipts.markRead(caller.userId, id, body.messageId);
  }

  @Post('delivered')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: DeliveredMarkResponse })
  delivered(@CurrentUser() caller: AuthUser, @Param('id', ParseObjectIdPipe) id: string, @Body() body: MarkMessageDto): Promise<DeliveredMarkResponse> {
    return this.receipts.markDelivered(caller.userId, id, body.messageId);
  }
}
