import {
  cancelRequestsChannel,
  JobName,
  QueueName,
  roundJobId,
  type RoundFinishedMessage,
  type RoundMessage,
  type RoundMessagesJob,
  type StoredWorkOrder,
  type WorkOrderJob,
} from '@sc/schemas';
import { Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import {
  createStackEnv,
  redisUrl,
  startWorker,
  type StackEnv,
  type StackProcess,
} from '../../../test/support/local-stack';
import { until } from '../../../test/support/until';

/**
 * The orchestrator's side of the queues, for worker end-to-end tests: adds work-order jobs, collects the
 * `reports` messages, publishes cancel requests. Everything under the stack's private prefix.
 */
export class QueueDriver {
  readonly workorders: Queue;
  readonly messages: RoundMessage[] = [];
  private readonly reports: Worker<RoundMessagesJob>;
  private readonly publisher = new Redis(redisUrl, { maxRetriesPerRequest: null });

  constructor(private readonly stack: StackEnv) {
    const connection = { url: redisUrl, maxRetriesPerRequest: null };
    this.workorders = new Queue(QueueName.WorkOrders, { connection, prefix: stack.queuePrefix });
    this.reports = new Worker<RoundMessagesJob>(
      QueueName.Reports,
      async (job) => void this.messages.push(...job.data.messages),
      { connection, prefix: stack.queuePrefix },
    );
  }

  /** Adds a work-order job the way the orchestrator does and returns it. */
  async submit(order: Partial<StoredWorkOrder> = {}): Promise<WorkOrderJob> {
    const roundId = randomUUID();
    const job: WorkOrderJob = {
      round_id: roundId,
      workorder_id: `wo-${roundId.slice(0, 8)}`,
      attempt: 1,
      order: {
        id: `wo-${roundId.slice(0, 8)}`,
        title: 'Worker e2e',
        instructions: 'Echo this back.',
        plugin: 'echo',
        branch: 'feat/wo-20250101-worker-e2e',
        phases: ['coding', 'testing'],
        priority: 5,
        ...order,
      },
    };
    await this.workorders.add(JobName.RunRound, job, { jobId: roundJobId(job.round_id, job.attempt) });
    return job;
  }

  /** The messages of one Round so far. */
  messagesOf(roundId: string): RoundMessage[] {
    return this.messages.filter((message) => message.round_id === roundId);
  }

  /** Waits for the Round's `finished` message. */
  async finished(roundId: string, timeoutMs = 20_000): Promise<RoundFinishedMessage> {
    return until(
      () => this.messagesOf(roundId).find((message): message is RoundFinishedMessage => message.type === 'finished'),
      { timeoutMs, what: `report of ${roundId}` },
    );
  }

  /** Asks the workers to cancel an attempt, as the orchestrator does. */
  async cancel(job: WorkOrderJob, reason: string): Promise<void> {
    await this.publisher.publish(
      cancelRequestsChannel(this.stack.queuePrefix),
      JSON.stringify({ round_id: job.round_id, attempt: job.attempt, reason }),
    );
  }

  /** Closes every connection and removes the prefix's keys. */
  async close(): Promise<void> {
    await this.reports.close();
    await this.workorders.close();
    const keys = await this.publisher.keys(`${this.stack.queuePrefix}:*`);
    if (keys.length > 0) await this.publisher.del(...keys);
    await this.publisher.quit();
  }
}

/** A worker of its own stack (temp folders, private queue prefix) and the driver of its queues. */
export interface WorkerStack {
  stack: StackEnv;
  worker: StackProcess;
  queues: QueueDriver;
}

/** Starts a worker on a stack of its own with `env`, its data folder made, and the queue driver beside it. */
export async function startWorkerStack(env: NodeJS.ProcessEnv = {}): Promise<WorkerStack> {
  const stack = createStackEnv(env);
  mkdirSync(stack.dataDir, { recursive: true });
  const worker = await startWorker(stack);
  return { stack, worker, queues: new QueueDriver(stack) };
}

/** Stops what {@link startWorkerStack} started (any part of it may be missing when its start failed). */
export async function stopWorkerStack(parts: Partial<WorkerStack>): Promise<void> {
  await parts.queues?.close();
  await parts.worker?.stop();
  parts.stack?.cleanup();
}
