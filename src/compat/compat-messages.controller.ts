import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { AuthUser, CurrentUser } from '../common/decorators/current-user.decorator';
import { ParseObjectIdPipe } from '../common/pipes/parse-object-id.pipe';
import { RateLimit } from '../common/rate-limit';
import { DeliveredMarkResponse, ReadMarkResponse } from '../receipts/receipts.response';
import { MessageResponse } from '../messages/message.response';
import { CompatService } from './compat.service';
import { ObjectIdField } from '../common/object-id';

export class CompatSendDto {
  @ApiProperty()
  @ObjectIdField('receiverId must be a valid id')
  receiverId: string;

  @ApiProperty()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @IsNotEmpty({ message: 'message must not be empty' })
  @MaxLength(100_000)
  message: string;
}

export class CompatReceiverQuery {
  @ApiProperty()
  @ObjectIdField('receiverId must be a valid id')
  receiverId: string;
}

export class CompatMessageQuery {
  @ApiProperty()
  @ObjectIdField('messageId must be a valid id')
  messageId: string;
}

/** The first release's message routes, served by today's services with the same rules. */
@ApiTags('first-release')
@ApiBearerAuth()
@Controller()
export class CompatMessagesController {
  constructor(private readonly compat: CompatService) {}

  @Get('messages')
  @ApiOkResponse({ type: MessageResponse, isArray: true, description: 'the direct conversation with receiverId, oldest first' })
  history(@CurrentUser() caller: AuthUser, @Query() query: CompatReceiverQuery): Promise<MessageResponse[]> {
    return this.compat.directHistory(caller.userId, query.receiverId);
  }

  @Post('message/send')
  @RateLimit('send')
  @ApiCreatedResponse({ type: MessageResponse })
  send(@CurrentUser() caller: AuthUser, @Body() body: CompatSendDto): Promise<MessageResponse> {
    return this.compat.send(caller.userId, body.receiverId, body.message);
  }

  @Delete('message/delete/:messageId')
  @RateLimit('edit')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse()
  remove(@CurrentUser() caller: AuthUser, @Param('messageId', ParseObjectIdPipe) messageId: string): Promise<void> {
    return this.compat.remove(caller.userId, messageId);
  }

  @Put('message/status/delivered')
  @RateLimit('mark')
  @ApiOkResponse({ type: DeliveredMarkResponse })
  delivered(@CurrentUser() caller: AuthUser, @Query() query: CompatMessageQuery): Promise<DeliveredMarkResponse> {
    return this.compat.markDelivered(caller.userId, query.messageId);
  }

  @Put('message/status/read')
  @RateLimit('mark')
  @ApiOkResponse({ type: ReadMarkResponse })
  read(@CurrentUser() caller: AuthUser, @Query() query: CompatMessageQuery): Promise<ReadMarkResponse> {
    return this.compat.markRead(caller.userId, query.messageId);
  }
}
