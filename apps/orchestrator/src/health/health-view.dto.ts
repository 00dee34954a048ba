import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  AgentSandboxModes,
  type AgentSandboxMode,
  type HealthChecksView,
  type HealthIndicatorView,
  type HealthUnavailableView,
  type HealthView,
  WorkerHeartbeatTiming,
  type WorkerHeartbeat,
  type WorkersHealthView,
} from '@sc/schemas';

/** One check of `GET /health`, for the OpenAPI document. */
export class HealthIndicatorViewDto implements HealthIndicatorView {
  @ApiProperty({ enum: ['up', 'down'] })
  status!: 'up' | 'down';

  @ApiPropertyOptional({ description: 'Why it is down', example: 'Connection is closed.' })
  message?: string;
}

/** A live worker process, for the OpenAPI document. */
export class WorkerHeartbeatDto implements WorkerHeartbeat {
  @ApiProperty({ example: 'vm:27699', description: '<hostname>:<pid>, as Reports and Rounds name the worker' })
  name!: string;

  @ApiProperty({ example: 'vm' })
  hostname!: string;

  @ApiProperty({ example: 27699 })
  pid!: number;

  @ApiProperty({
    enum: AgentSandboxModes,
    description:
      'How it confines agents: bubblewrap; off (SC_AGENT_SANDBOX=off: unconfined, unsafe); unavailable (agent work refused)',
  })
  sandbox!: AgentSandboxMode;

  @ApiProperty({ example: 'agents run in bubblewrap sandboxes', description: 'Why, as the worker logged it at start' })
  sandbox_reason!: string;

  @ApiProperty({ minimum: 1, description: 'SC_WORKER_CONCURRENCY: Rounds it runs at once' })
  concurrency!: number;

  @ApiProperty({ example: '0.1.0', description: 'The Solar Circuit release it runs' })
  version!: string;

  @ApiProperty({ format: 'date-time' })
  started_at!: string;

  @ApiProperty({
    format: 'date-time',
    description: `Its last heartbeat, by its own clock (one every ${WorkerHeartbeatTiming.intervalMs / 1000} s)`,
  })
  last_seen!: string;
}

/** The `workers` part of `GET /health`, for the OpenAPI document. */
export class WorkersHealthViewDto implements WorkersHealthView {
  @ApiProperty({ enum: ['up'], description: 'Always up: no worker does not make the orchestrator unhealthy' })
  status!: 'up';

  @ApiProperty({
    type: [WorkerHeartbeatDto],
    description: `The worker processes whose heartbeat has not expired (${WorkerHeartbeatTiming.ttlMs / 1000} s after their last), by name`,
  })
  processes!: WorkerHeartbeatDto[];

  @ApiPropertyOptional({
    description: 'Set when the list could not be read from Redis: it is unknown, not empty',
    example: 'workers list timed out after 1000 ms',
  })
  message?: string;
}

/** The checks of `GET /health` by name, for the OpenAPI document. */
export class HealthChecksViewDto implements HealthChecksView {
  @ApiPropertyOptional({ type: () => HealthIndicatorViewDto, description: 'The database answers a query' })
  database?: HealthIndicatorViewDto;

  @ApiPropertyOptional({ type: () => HealthIndicatorViewDto, description: 'Redis answers PING' })
  redis?: HealthIndicatorViewDto;

  @ApiPropertyOptional({ type: () => WorkersHealthViewDto, description: 'The live workers (never down)' })
  workers?: WorkersHealthViewDto;
}

/** `GET /health` answering 200, for the OpenAPI document. */
export class HealthViewDto implements HealthView {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';

  @ApiProperty({ type: () => HealthChecksViewDto, description: 'The checks that are up' })
  info!: HealthChecksViewDto;

  @ApiProperty({ type: () => HealthChecksViewDto, description: 'The checks that are down: none on a 200' })
  error!: HealthChecksViewDto;

  @ApiProperty({ type: () => HealthChecksViewDto, description: 'Every check' })
  details!: HealthChecksViewDto;
}

/** `GET /health` answering 503, for the OpenAPI document. */
export class HealthUnavailableViewDto implements HealthUnavailableView {
  @ApiProperty({ example: 503 })
  statusCode!: number;

  @ApiProperty({ example: 'Service Unavailable' })
  error!: string;

  @ApiProperty({ example: 'Service Unavailable Exception' })
  message!: string;

  @ApiProperty({ type: () => HealthChecksViewDto, description: 'Every check; the failing one is down, with why' })
  details!: HealthChecksViewDto;
}
