import { ApiProperty } from '@nestjs/swagger';
import {
  RoundStates,
  type AgentSession,
  type CommitRef,
  type RecordedCommitView,
  type ReportStatus,
  type RoundPage,
  type RoundPullRequestView,
  type RoundState,
  type RoundSummaryView,
  type RoundTransitionView,
  type RoundView,
} from '@sc/schemas';

// The Report schema's enum, as registered from report@1.json (see `setupOpenApi`).
const reportStatus = { $ref: '#/components/schemas/Report.status' } as const;
const commitRefs = { type: 'array', items: { $ref: '#/components/schemas/Report.CommitRef' } } as const;

/** One stored state change of a Round, for the OpenAPI document. */
export class RoundTransitionViewDto implements RoundTransitionView {
  @ApiProperty({ enum: RoundStates, nullable: true, description: 'null for the first transition' })
  from!: RoundState | null;

  @ApiProperty({ enum: RoundStates })
  to!: RoundState;

  @ApiProperty({ example: 'started by worker-1' })
  reason!: string;

  @ApiProperty({ minimum: 1 })
  attempt!: number;

  @ApiProperty({ format: 'date-time' })
  at!: string;
}

/** A Round as `GET /rounds` lists it, for the OpenAPI document. */
export class RoundSummaryViewDto implements RoundSummaryView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  workorder_id!: string;

  @ApiProperty()
  title!: string;

  @ApiProperty({ example: 'echo' })
  plugin!: string;

  @ApiProperty({ enum: RoundStates })
  state!: RoundState;

  @ApiProperty({ minimum: 1 })
  attempt!: number;

  @ApiProperty({ minimum: 1, maximum: 10 })
  priority!: number;

  @ApiProperty({ type: [String] })
  labels!: string[];

  @ApiProperty({ example: 'feat/wo-20261125-say-hello-5f607182' })
  branch!: string;

  @ApiProperty({ type: String, nullable: true })
  worker!: string | null;

  @ApiProperty({ oneOf: [reportStatus, { type: 'null' }] })
  report_status!: ReportStatus | null;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time' })
  updated_at!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  started_at!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  finished_at!: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: "When a `waiting` Round runs again (its model's rate or usage limit resets); null in any other state",
  })
  resumes_at!: string | null;
}

/** The pull request of a Round, for the OpenAPI document. */
export class RoundPullRequestViewDto implements RoundPullRequestView {
  @ApiProperty({ minimum: 1, example: 42 })
  number!: number;

  @ApiProperty({ example: 'https://github.com/octo/hello/pull/42' })
  url!: string;
}

/** An agent CLI's session of one attempt, for the OpenAPI document. */
export class AgentSessionDto implements AgentSession {
  @ApiProperty({ example: 'claude' })
  agent!: string;

  @ApiProperty({ example: 1 })
  attempt!: number;

  @ApiProperty({
    example: '4f0b6f5e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
    description: "The CLI's session id; its transcripts are the attempt's artifacts under sessions/<agent>/",
  })
  session_id!: string;

  @ApiProperty({
    type: Number,
    nullable: true,
    required: false,
    description: 'The attempt whose session this one continued; null when it started afresh',
  })
  resumed_from_attempt?: number | null;
}

/** A Round as `GET /rounds/:id` shows it, for the OpenAPI document. */
export class RoundViewDto extends RoundSummaryViewDto implements RoundView {
  @ApiProperty({ type: [RoundTransitionViewDto], description: 'Oldest first' })
  transitions!: RoundTransitionViewDto[];

  @ApiProperty({ ...commitRefs, description: 'Commits recorded for the Round, oldest first' })
  commits!: CommitRef[];

  @ApiProperty({
    type: [AgentSessionDto],
    description: "The agents' sessions of every attempt, from their Reports, oldest attempt first",
  })
  sessions!: AgentSessionDto[];

  @ApiProperty({
    type: () => RoundPullRequestViewDto,
    required: false,
    description: 'The pull request the Round opened or updated on GitHub',
  })
  pull_request?: RoundPullRequestViewDto;
}

/** One page of `GET /rounds`, for the OpenAPI document. */
export class RoundPageDto implements RoundPage {
  @ApiProperty({ type: [RoundSummaryViewDto] })
  items!: RoundSummaryViewDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `?cursor=` for the next page; null on the last one',
  })
  next_cursor!: string | null;
}

/** Answer of `POST /rounds/:id/commits`, for the OpenAPI document. */
export class RecordedCommitViewDto implements RecordedCommitView {
  @ApiProperty({ example: '3f2c9e1b7a0d4c5e8f9a1b2c3d4e5f6a7b8c9d0e' })
  sha!: string;

  @ApiProperty({ required: false })
  branch?: string;

  @ApiProperty({ required: false })
  message?: string;

  @ApiProperty({ format: 'uuid' })
  round_id!: string;

  @ApiProperty({ format: 'date-time' })
  recorded_at!: string;
}
