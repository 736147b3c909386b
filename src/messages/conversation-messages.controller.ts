import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../common/decorators/current-user.decorator';
import { ParseObjectIdPipe } from '../common/pipes/parse-object-id.pipe';
import { MessagePageQuery } from './dto/message-page.query';
import { MessagePageResponse } from './message.response';
import { MessagesService } from './messages.service';

/** A conversation's history (the caller's watermarks in it: ReceiptsController). */
@ApiTags('conversations')
@ApiBearerAuth()
@Controller('api/v1/conversations/:id')
export class ConversationMessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Get('messages')
  @ApiOkResponse({ type: MessagePageResponse })
  page(@CurrentUser() caller: AuthUser, @Param('id', ParseObjectIdPipe) id: string, @Query() query: MessagePageQuery): Promise<MessagePageResponse> {
    return this.messages.page(caller.userId, id, query);
  }
}
