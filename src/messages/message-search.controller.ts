import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../common/decorators/current-user.decorator';
import { SearchMessagesQuery } from './dto/search-messages.query';
import { MessageSearchService } from './message-search.service';
import { MessagePageResponse } from './message.response';

@ApiTags('messages')
@ApiBearerAuth()
@Controller('api/v1/search')
export class MessageSearchController {
  constructor(private readonly searchService: MessageSearchService) {}

  /** Newest first; a query of only stop words or punctuation is a 400. */
  @Get('messages')
  @ApiOkResponse({ type: MessagePageResponse, description: 'matching messages, newest first' })
  search(@CurrentUser() caller: AuthUser, @Query() query: SearchMessagesQuery): Promise<MessagePageResponse> {
    return this.searchService.search(caller.userId, query);
  }
}
