import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../common/decorators/current-user.decorator';
import { ParseObjectIdPipe } from '../common/pipes/parse-object-id.pipe';
import { RateLimit } from '../common/rate-limit';
import { SearchUsersQuery } from './dto/search-users.query';
import { UpdateUserDto } from './dto/update-user.dto';
import { PublicUserResponse, UserResponse } from './user.response';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@Controller('api/v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @ApiOkResponse({ type: UserResponse })
  getMe(@CurrentUser() caller: AuthUser): Promise<UserResponse> {
    return this.users.getMe(caller.userId);
  }

  @Patch('me')
  @RateLimit('profile')
  @ApiOkResponse({ type: UserResponse })
  updateMe(@CurrentUser() caller: AuthUser, @Body() body: UpdateUserDto): Promise<UserResponse> {
    return this.users.updateMe(caller.userId, body);
  }

  @Get()
  @RateLimit('search')
  @ApiOkResponse({ type: PublicUserResponse, isArray: true })
  search(@CurrentUser() caller: AuthUser, @Query() query: SearchUsersQuery): Promise<PublicUserResponse[]> {
    return this.users.search(caller.userId, query.q, query.limit);
  }

  /** The users the caller blocks (private to the caller). */
  @Get('me/blocked')
  @ApiOkResponse({ type: PublicUserResponse, isArray: true })
  blocked(@CurrentUser() caller: AuthUser): Promise<PublicUserResponse[]> {
    return this.users.blockedUsers(caller.userId);
  }

  @Get(':id')
  @ApiOkResponse({ type: PublicUserResponse })
  getOne(@CurrentUser() caller: AuthUser, @Param('id', ParseObjectIdPipe) id: string): Promise<PublicUserResponse> {
    return this.users.getPublic(caller.userId, id);
  }

  /** Idempotent; blocking oneself is a 400, an unknown user a 404. */
  @Post(':id/block')
  @RateLimit('block')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'blocked (or already blocked)' })
  block(@CurrentUser() caller: AuthUser, @Param('id', ParseObjectIdPipe) id: string): Promise<void> {
    return this.users.setBlocked(caller.userId, id, true);
  }

  @Delete(':id/block')
  @RateLimit('block')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'unblocked (or was not blocked)' })
  unblock(@CurrentUser() caller: AuthUser, @Param('id', ParseObjectIdPipe) id: string): Promise<void> {
    return this.users.setBlocked(caller.userId, id, false);
  }
}
