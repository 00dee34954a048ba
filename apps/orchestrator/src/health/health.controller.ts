import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator, type HealthCheckResult } from '@nestjs/terminus';
import { HealthUnavailableViewDto, HealthViewDto } from './health-view.dto';
import { RedisHealthIndicator } from './redis.health-indicator';
import { WorkersHealthIndicator } from './workers.health-indicator';

/**
 * `GET /health`: 200 when the database and Redis answer, 503 (naming the one that failed) otherwise; either way
 * it lists the live workers, which never fail it. Open without a token.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly workers: WorkersHealthIndicator,
  ) {}

  @Get()
  // Terminus's own Swagger schema knows no check by name: ours documents each.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOkResponse({ type: HealthViewDto, description: 'The database and Redis answer' })
  @ApiServiceUnavailableResponse({ type: HealthUnavailableViewDto, description: 'The database or Redis does not' })
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 2_000 }),
      () => this.redis.ping(),
      () => this.workers.list(),
    ]);
  }
}
