import { Body, Controller, HttpCode, HttpStatus, Ip, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthService } from '../auth/auth.service';
import { AuthResult, LoginDto, SignupDto } from '../auth/dto/auth.dto';
import { Public } from '../common/decorators/public.decorator';
import { RateLimit } from '../common/rate-limit';

/** The first release's auth routes, served by the same service with the same rules. */
@ApiTags('first-release')
@Controller()
export class CompatAuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @RateLimit('auth')
  @Post('signup')
  @ApiCreatedResponse({ type: AuthResult, description: 'Same as POST /api/v1/auth/signup' })
  signup(@Body() body: SignupDto): Promise<AuthResult> {
    return this.auth.signup(body);
  }

  @Public()
  @RateLimit('auth')
  @Post('login')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: AuthResult, description: 'Same as POST /api/v1/auth/login' })
  login(@Body() body: LoginDto, @Ip() address: string): Promise<AuthResult> {
    return this.auth.login(body, address);
  }
}
