import type { JSONSchemaType } from 'ajv/dist/2020';
import type { PhaseResult, Report } from './report.types';
import type { RoundState } from './round-state';
import type { WorkOrder } from './workorder.types';

/**
 * BullMQ queue names. They are persisted in Redis keys (`<SC_QUEUE_PREFIX>:<name>:…`): renaming one
 * strands every job already queued under the old name.
 */
export enum QueueName {
  /** Orchestrator → workers: one job per Round attempt. */
  WorkOrders = 'workorders',
  /** Workers → orchestrator: Round started, retrying, finished (with its Report), in batches. */
  Reports = 'reports',
  /** Workers → orchestrator: phase progress and log lines in batches, stored in the Round's history (`GET /rounds/:id/events`). */
  Events = 'events',
  /** Orchestrator → itself: one POST of a notification to one URL, retried with backoff until it is accepted. */
  Notifications = 'notifications',
}

/** Job names within the queues. */
export enum JobName {
  RunRound = 'run-round',
  RoundMessages = 'round-messages',
  RoundEvents = 'round-events',
  Notify = 'notify',
}

/** Default BullMQ key prefix; `SC_QUEUE_PREFIX` overrides it so two stacks can share one Redis. */
export const DefaultQueuePrefix = 'sc';

/** A work-order as the orchestrator stored it: defaults filled in, `id`, `plugin` and `branch` always set. */
export type StoredWorkOrder = WorkOrder & Required<Pick<WorkOrder, 'id' | 'plugin' | 'branch' | 'phases' | 'priority'>>;

/** Payload of a `run-round` job on the `workorders` queue. Job id: {@link roundJobId}. */
export interface WorkOrderJob {
  round_id: string;
  workorder_id: string;
  /** 1 for the first attempt; each `POST /rounds/:id/retry` adds one. */
  attempt: number;
  order: StoredWorkOrder;
  /**
   * A retry that continues the agents' sessions of an earlier attempt (absent for a first attempt and for
   * `retry { fresh: true }`): their ids and the names of that attempt's transcript artifacts.
   */
  resume_from?: ResumeFrom;
  /**
   * What this attempt is asked to do besides the work-order: a pull request's review requesting changes, an
   * `/sc fix` comment, or a failed check with its job's log tail (the PR loop). The plugin gets it as
   * `ctx.followUp`; absent for a first attempt and for `POST /rounds/:id/retry`.
   */
  follow_up?: string;
  /**
   * How many times this attempt already waited for a model's rate limit that named no reset time (set by the
   * worker as it parks the attempt): each wait is twice as long as the one before, and past the last one the phase
   * fails. Absent until the first such wait.
   */
  rate_limit_waits?: number;
}

/** The longest {@link WorkOrderJob.follow_up}: a review or a log tail, not a whole log. */
export const MaxFollowUpChars = 16_384;

/** What a retried attempt continues: the sessions of attempt `attempt` and its artifacts under `sessions/`. */
export interface ResumeFrom {
  attempt: number;
  sessions: { agent: string; session_id: string }[];
  transcripts: string[];
}

/**
 * The job id of one attempt of a Round (`<round_id>.<attempt>`): BullMQ ignores a second add with the same
 * id, so resends are safe. Not `:` — BullMQ 6 refuses a custom id with one `:` ("Custom Id cannot contain :").
 */
export function roundJobId(roundId: string, attempt: number): string {
  return `${roundId}.${attempt}`;
}

/** A worker took the attempt. */
export interface RoundStartedMessage {
  type: 'started';
  round_id: string;
  attempt: number;
  worker: string;
  at: string;
}

/**
 * The attempt paused and will run again at `retry_at`: `waiting` for a model's rate or usage limit to reset,
 * else (a worker stopped or lost mid-round) `retrying`.
 */
export interface RoundRetryingMessage {
  type: 'retrying';
  round_id: string;
  attempt: number;
  reason: string;
  retry_at?: string;
  /** The pause is a model's rate or usage limit: the Round is `waiting`, not `retrying`. */
  waiting?: boolean;
  at: string;
}

/** The attempt ended; its Report is final. */
export interface RoundFinishedMessage {
  type: 'finished';
  round_id: string;
  attempt: number;
  report: Report;
  at: string;
  /**
   * The attempt's phase and log events and its end marker, when none was sent on the `events` queue before
   * (a short Round): they travel with the Report, one job instead of two, and the orchestrator stores them in
   * the Round's history between its start and end. At most {@link MaxEventsPerJob}.
   */
  events?: WorkerEvent[];
}

/** A message of a worker about one attempt of a Round. */
export type RoundMessage = RoundStartedMessage | RoundRetryingMessage | RoundFinishedMessage;

/**
 * Payload of a `round-messages` job on the `reports` queue: messages a worker sent while its previous job
 * was being added, of any of its Rounds, in the order they were sent. Applying one twice changes nothing,
 * so a batch resent after a Redis blip is harmless.
 */
export interface RoundMessagesJob {
  messages: RoundMessage[];
}

/** A phase began or ended. */
export interface PhaseEvent {
  type: 'phase';
  round_id: string;
  attempt: number;
  phase: string;
  state: 'started' | 'finished';
  result?: PhaseResult;
  at: string;
}

/** A log line of a Round, from its plugin or the runner. */
export interface LogEvent {
  type: 'log';
  round_id: string;
  attempt: number;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  phase?: string;
  /** The agent the line is about, when the plugin named one (`ctx.logger.info({ agent }, …)`). */
  agent?: string;
  at: string;
}

/**
 * The worker published every phase and log event of the attempt: it is sent on the `events` queue, after
 * them, just before the `finished` message, so the orchestrator stores the attempt's last lines before its
 * end. It is not streamed to clients.
 */
export interface EventsEndEvent {
  type: 'end';
  round_id: string;
  attempt: number;
  at: string;
}

/** A Round changed state (emitted by the orchestrator, never by workers). */
export interface TransitionEvent {
  type: 'transition';
  round_id: string;
  attempt: number;
  from: RoundState | null;
  to: RoundState;
  reason: string;
  at: string;
}

/** What `GET /rounds/:id/events` streams; workers publish the phase and log kinds on the `events` queue. */
export type RoundEvent = PhaseEvent | LogEvent | TransitionEvent;

/** What workers publish on the `events` queue. */
export type WorkerEvent = PhaseEvent | LogEvent | EventsEndEvent;

/** The most events in one `round-events` job, or carried by one `finished` message. */
export const MaxEventsPerJob = 200;

/**
 * Payload of a `round-events` job: events a worker emitted while its previous job was being added, of any of
 * its Rounds, in the order they happened.
 */
export interface RoundEventsJob {
  events: WorkerEvent[];
}

// The schemas below are typed with Ajv's `JSONSchemaType` of the interface they check: a field of the type missing
// from its schema, or typed differently there, fails to compile. queues.spec.ts checks what the compiler lets
// through: a schema property the type lacks, a field the type requires that the schema leaves optional.
// `JSONSchemaType` asks optional properties for `nullable: true`, which Ajv reads as "null allowed": `absent` keeps
// the wire as the types say (absent or set, never null).
const absent = { not: { type: 'null' } } as const;
const id = { type: 'string', minLength: 1, maxLength: 128 } as const;
const at = { type: 'string', format: 'date-time' } as const;
const attempt = { type: 'integer', minimum: 1 } as const;

/** JSON Schema of {@link WorkOrderJob}. */
export const workOrderJobSchema: JSONSchemaType<WorkOrderJob> = {
  type: 'object',
  additionalProperties: false,
  required: ['round_id', 'workorder_id', 'attempt', 'order'],
  properties: {
    round_id: id,
    workorder_id: id,
    attempt,
    follow_up: { type: 'string', nullable: true, ...absent, minLength: 1, maxLength: MaxFollowUpChars },
    rate_limit_waits: { type: 'integer', nullable: true, ...absent, minimum: 1, maximum: 100 },
    resume_from: {
      type: 'object',
      nullable: true,
      ...absent,
      additionalProperties: false,
      required: ['attempt', 'sessions', 'transcripts'],
      properties: {
        attempt,
        sessions: {
          type: 'array',
          maxItems: 64,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['agent', 'session_id'],
            properties: {
              agent: { type: 'string', minLength: 1, maxLength: 64 },
              session_id: { type: 'string', minLength: 1, maxLength: 256 },
            },
          },
        },
        transcripts: { type: 'array', maxItems: 1000, items: { type: 'string', minLength: 1, maxLength: 255 } },
      },
    },
    order: {
      type: 'object',
      required: ['id', 'plugin', 'branch', 'phases', 'priority'],
      allOf: [{ $ref: 'https://solar-circuit.dev/schemas/workorder@1.json' }],
    },
  },
};

/**
 * A worker event as the orchestrator checks it: its kind and whose it is; the rest is passed on as sent. The checks
 * sit in `allOf` because `JSONSchemaType` wants every property of a type in `properties`, but only some in a part.
 */
const workerEventSchema: JSONSchemaType<WorkerEvent> = {
  type: 'object',
  required: ['type', 'round_id', 'attempt', 'at'],
  allOf: [{ properties: { type: { type: 'string', enum: ['phase', 'log', 'end'] }, round_id: id, attempt, at } }],
};

const roundStartedMessageSchema: JSONSchemaType<RoundStartedMessage> = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'round_id', 'attempt', 'at', 'worker'],
  properties: {
    type: { type: 'string', const: 'started' },
    round_id: id,
    attempt,
    at,
    worker: { type: 'string', maxLength: 255 },
  },
};

const roundRetryingMessageSchema: JSONSchemaType<RoundRetryingMessage> = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'round_id', 'attempt', 'at', 'reason'],
  properties: {
    type: { type: 'string', const: 'retrying' },
    round_id: id,
    attempt,
    at,
    reason: { type: 'string', maxLength: 10000 },
    retry_at: { ...at, nullable: true, ...absent },
    waiting: { type: 'boolean', nullable: true, ...absent },
  },
};

const roundFinishedMessageSchema: JSONSchemaType<RoundFinishedMessage> = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'round_id', 'attempt', 'at', 'report'],
  properties: {
    type: { type: 'string', const: 'finished' },
    round_id: id,
    attempt,
    at,
    report: { $ref: 'https://solar-circuit.dev/schemas/report@1.json' },
    events: { type: 'array', nullable: true, ...absent, maxItems: MaxEventsPerJob, items: workerEventSchema },
  },
};

/** JSON Schema of {@link RoundMessage}. */
export const roundMessageSchema: JSONSchemaType<RoundMessage> = {
  type: 'object',
  required: ['type', 'round_id', 'attempt', 'at'],
  oneOf: [roundStartedMessageSchema, roundRetryingMessageSchema, roundFinishedMessageSchema],
};

/**
 * Redis pub/sub channel (after the queue prefix: `<prefix>:cancel-requests`) on which the orchestrator asks
 * workers to stop a running attempt; the worker holding the job aborts it and reports `cancelled`.
 */
export const CancelRequestsChannel = 'cancel-requests';

/** The full Redis channel name of cancel requests for a queue prefix. */
export function cancelRequestsChannel(queuePrefix: string): string {
  return `${queuePrefix}:${CancelRequestsChannel}`;
}

/** A message on the cancel-requests channel. */
export interface CancelRequest {
  round_id: string;
  attempt: number;
  reason: string;
}

/**
 * The Redis hash in which a worker keeps the token ledger of a running attempt (`<agent>\u0000<model>\u0000<kind>`
 * → count, `kind` a token kind or `cost_usd`), so that the worker taking over a killed one's attempt goes on
 * counting from there. Removed once the attempt's Report is sent.
 */
export function attemptLedgerKey(queuePrefix: string, roundId: string, attempt: number): string {
  return `${queuePrefix}:ledger:${roundId}:${attempt}`;
}

/**
 * The Redis sorted set of the agent slots of one model API (`SC_AGENT_LIMITS`): one member per running agent,
 * scored by when its lease expires.
 */
export function agentSlotsKey(queuePrefix: string, provider: string): string {
  return `${queuePrefix}:agent-slots:${provider}`;
}
