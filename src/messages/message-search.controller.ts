import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../common/decorators/current-user.decorator';
import { RateLimit } from '../common/rate-limit';
import { SearchMessagesQuery } from './dto/search-messages.query';
import { MessageSearchService } from './message-search.service';
import { MessagePageResponse } from './message.response';

@ApiTags('messages')
@ApiBearerAuth()
@Controller('api/v1/search')
export class MessageSearchController {
  constructor(private readonly searchService: MessageSearchService) {}

  /** Newest first; a query of only stop words or punctuation is a 400. Counts in the caller's search budget (with user search). */
  @Get('messages')
  @RateLimit('search')
  @ApiOkResponse({ type: MessagePageResponse, description: 'matching messages, newest first' })
  search(@CurrentUser() caller: AuthUser, @Query() query: SearchMessagesQuery): Promise<MessagePageResponse> {
    return this.searchService.search(caller.userId, query);
  }
}
