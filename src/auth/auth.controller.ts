import { Body, Controller, HttpCode, HttpStatus, Ip, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../common/decorators/current-user.decorator';
import { Public } from '../common/decorators/public.decorator';
import { RateLimit } from '../common/rate-limit';
import { AuthService } from './auth.service';
import { AuthResult, LoginDto, RefreshTokenDto, SignupDto } from './dto/auth.dto';

@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @RateLimit('auth')
  @Post('signup')
  @ApiCreatedResponse({ type: AuthResult })
  signup(@Body() body: SignupDto): Promise<AuthResult> {
    return this.auth.signup(body);
  }

  @Public()
  @RateLimit('auth')
  @Post('login')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: AuthResult })
  login(@Body() body: LoginDto, @Ip() address: string): Promise<AuthResult> {
    return this.auth.login(body, address);
  }

  @Public()
  @RateLimit('refresh')
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: AuthResult })
  refresh(@Body() body: RefreshTokenDto): Promise<AuthResult> {
    return this.auth.refresh(body.refreshToken);
  }

  @ApiBearerAuth()
  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse()
  logout(@CurrentUser() caller: AuthUser, @Body() body: RefreshTokenDto): Promise<void> {
    return this.auth.logout(caller.userId, body.refreshToken);
  }
}
