import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
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

  @Get(':id')
  @ApiOkResponse({ type: PublicUserResponse })
  getOne(@Param('id', ParseObjectIdPipe) id: string): Promise<PublicUserResponse> {
    return this.users.getPublic(id);
  }
}
