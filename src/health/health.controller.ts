import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../common/decorators/public.decorator';
import { DatabaseHealthIndicator } from './database.health';
import { RedisHealthIndicator } from './redis.health';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  /** 200 when the database (and Redis, when configured) answer; 503 otherwise. */
  @Public()
  @Get()
  @HealthCheck()
  @ApiOkResponse({ description: 'All dependencies answer' })
  @ApiServiceUnavailableResponse({ description: 'A dependency does not answer' })
  async check(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.database.check('database'), () => this.redis.check('redis')]);
    } catch (error) {
      const details = error instanceof ServiceUnavailableException ? (error.getResponse() as HealthCheckResult) : undefined;
      const down = Object.keys(details?.error ?? {}).join(', ') || 'a dependency';
      throw new ServiceUnavailableException({ message: `Unhealthy: ${down} did not answer`, details: details?.details });
    }
  }
}
