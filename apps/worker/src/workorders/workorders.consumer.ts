import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { isRateLimitedError } from '@sc/plugin-sdk';
import { redisErrorWarning } from '@sc/infrastructure';
import {
  agentProviders,
  ModelGateway,
  PluginRegistry,
  RateLimitBackoffError,
  refusedReport,
  runRound,
  type ArtifactStore,
} from '@sc/runner';
import {
  formatIssues,
  QueueName,
  roundJobId,
  validateWorkOrderJob,
  type ReportStatus,
  type WorkOrderJob,
} from '@sc/schemas';
import { DelayedError, UnrecoverableError, type Job, type WorkerOptions } from 'bullmq';
import type { Logger } from 'pino';
import { ARTIFACT_STORE } from '../artifacts/artifact-store.provider';
import { WorkerConfig } from '../config/worker.config';
import { AttemptLedgers } from '../ledger/attempt-ledgers';
import { AgentSlots, noSlots } from '../limits/agent-slots';
import { WORKER_LOGGER } from '../logging/logger.module';
import { WorkerMetrics } from '../metrics/worker.metrics';
import type { AttemptPublisher } from '../publishing/attempt.publisher';
import { RoundPublisher } from '../publishing/round.publisher';
import { workerName } from '../worker-name';

/** What a completed `run-round` job returns (kept by BullMQ; the Report itself goes to `reports`). */
export interface RoundJobResult {
  status: ReportStatus;
}

const shutdownReason = 'worker shutting down';
const lockLostReason = 'job lock not renewed';
// How often running attempts' locks are checked, as a part of the lock's duration: an attempt whose lock
// lapsed is stopped at most this much after another worker may have taken its job.
const lockChecksPerLock = 10;
// How long a Round over an agent limit waits in the queue before it asks again (plus up to as much at random).
const slotRetryMs = 1_000;

/**
 * The BullMQ lock settings of the consumer. A running Round's lock (`SC_WORKER_LOCK_MS`, BullMQ's 30 s when
 * unset) is renewed at half its duration for as long as the Round runs, so a long Round is never taken by a
 * second worker; when a worker dies its lock expires, and another worker's stalled check (same period) puts
 * the job back on the queue. A job stalled a third time fails (a Round that kills its workers), and the
 * orchestrator's reaper ends its Round.
 */
export function workOrdersWorkerOptions(
  config: WorkerConfig,
): Required<Pick<WorkerOptions, 'lockDuration' | 'stalledInterval' | 'maxStalledCount'>> {
  const lockMs = config.lockMs ?? 30_000;
  return { lockDuration: lockMs, stalledInterval: lockMs, maxStalledCount: 2 };
}

/**
 * Runs each `run-round` job of the `workorders` queue as one attempt of a Round. A plugin's failure is a
 * Report (the job completes), and so is a Round needing more agents at once than `SC_AGENT_LIMITS` allows; a
 * payload that breaks the schema can never succeed (UnrecoverableError); a rate limit or a shutdown puts the
 * job back on the queue; anything else is thrown so BullMQ retries.
 */
// Registered again by WorkerModule.forRoot with workOrdersWorkerOptions(config); concurrency is set from the
// config once Nest is up.
@Processor(QueueName.WorkOrders)
export class WorkOrdersConsumer extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** Who runs the Rounds, as the Reports name it. */
  readonly workerName = workerName;
  private isShuttingDown = false;
  /** The running attempts' locks by job id: when BullMQ last renewed each, and how to give its attempt up. */
  private readonly locks = new Map<string, { renewedAt: number; abandon: () => void }>();
  private lockCheck?: NodeJS.Timeout;
  private readonly redisError = redisErrorWarning('worker workorders', (fields, message) =>
    this.logger.warn(fields, message),
  );

  constructor(
    private readonly config: WorkerConfig,
    private readonly registry: PluginRegistry,
    private readonly publisher: RoundPublisher,
    private readonly metrics: WorkerMetrics,
    private readonly gateway: ModelGateway,
    private readonly ledgers: AttemptLedgers,
    private readonly slots: AgentSlots,
    @Inject(ARTIFACT_STORE) private readonly artifacts: ArtifactStore,
    @Inject(WORKER_LOGGER) private readonly logger: Logger,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.concurrency;
    const lockMs = workOrdersWorkerOptions(this.config).lockDuration;
    this.lockCheck = setInterval(() => this.abandonLapsedLocks(lockMs), lockMs / lockChecksPerLock);
  }

  @OnWorkerEvent('locksRenewed')
  onLocksRenewed({ jobIds }: { jobIds: string[] }): void {
    const now = Date.now();
    for (const jobId of jobIds) {
      const lock = this.locks.get(jobId);
      if (lock) lock.renewedAt = now;
    }
  }

  // Attached with the worker: its connection errors as one warning per interval, not a stack per retry.
  @OnWorkerEvent('error')
  onRedisError(error: Error): void {
    this.redisError(error);
  }

  /**
   * Stops the running Rounds (their process groups included) and waits until they handed their jobs back:
   * Nest closes the queues they report on right after this hook.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.isShuttingDown = true;
    clearInterval(this.lockCheck);
    this.worker.cancelAllJobs(shutdownReason);
    await this.worker.close();
  }

  /** Aborts the attempt when this worker runs it; false when it does not. */
  cancel(roundId: string, attempt: number, reason: string): boolean {
    return this.worker.cancelJob(roundJobId(roundId, attempt), reason);
  }

  async process(job: Job<unknown>, token?: string, signal?: AbortSignal): Promise<RoundJobResult> {
    const checked = validateWorkOrderJob(job.data);
    if (!checked.ok) {
      const reason = `invalid work-order job: ${formatIssues(checked.issues)}`;
      this.logger.error({ job_id: job.id, issues: checked.issues }, 'invalid work-order job');
      throw new UnrecoverableError(reason);
    }
    const data = checked.value;
    const log = this.logger.child({ workorder_id: data.workorder_id, round_id: data.round_id, attempt: data.attempt });
    const jobId = roundJobId(data.round_id, data.attempt);
    const wanted = agentProviders(data.order);
    // More agents of one model API at once than SC_AGENT_LIMITS allows: no slots will ever free up for it, so
    // rather than wait in the queue forever the attempt ends now, with an `error` Report sent as a run's is.
    const refusal = this.slots.overLimit(wanted);
    // A model API's agents all busy for now: back to the queue for a moment, before anything about it is published.
    const slots = refusal === undefined ? await this.slots.acquire(jobId, wanted) : noSlots;
    if (!slots) {
      await job.moveToDelayed(Date.now() + slotRetryMs + Math.floor(Math.random() * slotRetryMs), token);
      log.debug('agent limit reached: the Round waits in the queue');
      throw new DelayedError();
    }
    // The job ends only once `started` and then the Report reached Redis (the publisher keeps them in order).
    const attemptPublisher = this.publisher.attempt(data, this.workerName);
    log.info({ plugin: data.order.plugin, worker: this.workerName }, 'round started');
    const running = this.metrics.roundStarted(data.order.plugin);
    // BullMQ counts each start of the job: more than one, and an earlier run of this attempt died mid-round.
    const ledger = this.ledgers.forAttempt(data.round_id, data.attempt, job.attemptsStarted > 1);
    let isAbandoned = false;
    this.locks.set(jobId, {
      renewedAt: Date.now(),
      abandon: () => {
        isAbandoned = true;
        attemptPublisher.abandon();
        log.warn({ reason: lockLostReason }, 'round abandoned');
        this.worker.cancelJob(jobId, lockLostReason);
      },
    });
    try {
      const report =
        refusal !== undefined
          ? refusedReport(data, { logger: log, worker: this.workerName }, refusal)
          : await runRound(data, {
              registry: this.registry,
              signal,
              logger: log,
              worker: this.workerName,
              artifacts: this.artifacts,
              dataDir: this.config.dataDir,
              gateway: this.gateway,
              prices: this.config.prices,
              sandbox: this.config.sandbox,
              waitMinMs: this.config.waitMinMs,
              ledgerStore: ledger,
              onEvent: (event) => attemptPublisher.event(event),
            });
      // Another worker may run the attempt now: this one neither reports nor hands the job back.
      if (isAbandoned) throw new Error(lockLostReason);
      if (report.status === 'cancelled' && this.isShuttingDown)
        return await this.requeue(job, data, token, 0, shutdownReason, attemptPublisher);
      await attemptPublisher.finish(report);
      await ledger.drop();
      running.finished(report);
      log.info({ status: report.status, error: report.error }, 'round finished');
      return { status: report.status };
    } catch (error) {
      if (isRateLimitedError(error)) {
        // A wait without the model's reset time: the next one, if any, is twice as long.
        if (error instanceof RateLimitBackoffError)
          await job.updateData({ ...data, rate_limit_waits: (data.rate_limit_waits ?? 0) + 1 });
        return await this.requeue(job, data, token, error.retryAfterMs, error.message, attemptPublisher, true);
      }
      throw error;
    } finally {
      this.locks.delete(jobId);
      running.ended();
      await slots.release();
    }
  }

  /**
   * Stops the attempts whose lock BullMQ could not renew for a whole lock duration (Redis unreachable: a
   * network cut): the lock has lapsed, another worker's stalled check may give the job to it, and two
   * workers must not run, push or report one attempt. Their agents stop through the job's signal.
   */
  private abandonLapsedLocks(lockMs: number): void {
    const now = Date.now();
    for (const [jobId, lock] of this.locks) {
      if (now - lock.renewedAt < lockMs) continue;
      this.locks.delete(jobId);
      lock.abandon();
    }
  }

  /**
   * Tells the orchestrator the Round started and is now `retrying` (or `waiting`, for a rate limit), then puts
   * the job back on the queue for `delayMs` without using up one of its attempts. In that order: once moved, another worker may take the job
   * at once, and its `started` must reach the orchestrator after this `retrying`. BullMQ requires the
   * DelayedError after moveToDelayed.
   */
  private async requeue(
    job: Job<unknown>,
    data: WorkOrderJob,
    token: string | undefined,
    delayMs: number,
    reason: string,
    attemptPublisher: AttemptPublisher,
    waiting = false,
  ): Promise<never> {
    await attemptPublisher.flush();
    const retryAt = new Date(Date.now() + delayMs);
    await this.publisher.retrying(data, reason, retryAt, waiting);
    await job.moveToDelayed(retryAt.getTime(), token);
    this.logger.warn(
      { workorder_id: data.workorder_id, round_id: data.round_id, reason, retry_at: retryAt.toISOString() },
      'round requeued',
    );
    throw new DelayedError();
  }
}
