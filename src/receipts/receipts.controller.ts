import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../common/decorators/current-user.decorator';
import { ParseObjectIdPipe } from '../common/pipes/parse-object-id.pipe';
import { RateLimit } from '../common/rate-limit';
import { MarkMessageDto } from './dto/mark-message.dto';
import { DeliveredMarkResponse, MessageReceiptResponse, ReadMarkResponse } from './receipts.response';
import { ReceiptsService } from './receipts.service';

/** The caller's watermarks in a conversation, and who got and read a message (OpenAPI tag `receipts`). */
@ApiTags('receipts')
@ApiBearerAuth()
@Controller('api/v1')
export class ReceiptsController {
  constructor(private readonly receipts: ReceiptsService) {}

  @Post('conversations/:id/read')
  @RateLimit('mark')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: ReadMarkResponse })
  read(@CurrentUser() caller: AuthUser, @Param('id', ParseObjectIdPipe) id: string, @Body() body: MarkMessageDto): Promise<ReadMarkResponse> {
    return this.receipts.markRead(caller.userId, id, body.messageId);
  }

  @Post('conversations/:id/delivered')
  @RateLimit('mark')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: DeliveredMarkResponse })
  delivered(@CurrentUser() caller: AuthUser, @Param('id', ParseObjectIdPipe) id: string, @Body() body: MarkMessageDto): Promise<DeliveredMarkResponse> {
    return this.receipts.markDelivered(caller.userId, id, body.messageId);
  }

  @Get('messages/:id/receipts')
  @RateLimit('receipts')
  @ApiOkResponse({ type: MessageReceiptResponse, isArray: true })
  receiptsOf(@CurrentUser() caller: AuthUser, @Param('id', ParseObjectIdPipe) id: string): Promise<MessageReceiptResponse[]> {
    return this.receipts.receipts(caller.userId, id);
  }
}
