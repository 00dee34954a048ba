import { redisErrorWarning } from '@sc/infrastructure';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { isStartOf, QueueName, validateRoundMessage, type RoundMessage, type RoundStartedMessage } from '@sc/schemas';
import type { Job } from 'bullmq';
import { KeyedSequence } from '../queue/keyed-sequence';
import { RoundEventsService } from '../rounds/round-events.service';
import { RoundMessagesService } from '../rounds/round-messages.service';

/**
 * Round messages from workers (`reports` queue, in batches): started, retrying, finished — the orchestrator's
 * side of `WorkerProtocol` (rule 1 here, rules 2–4 in `RoundMessagesService`, 6 in `RoundTransitions`). An invalid message
 * is logged and dropped (retrying it cannot fix it); a database error fails the batch so that BullMQ retries
 * it, and applying its other messages again changes nothing.
 */
// Several batches in flight overlap the queue's round trips. BullMQ hands them in fetch order, and the
// messages of one Round are applied one after another in that order (started, retrying, started, finished),
// on SQLite and on Postgres alike; different Rounds overlap, and on SQLite commit together.
@Processor(QueueName.Reports, { concurrency: 8 })
export class ReportsConsumer extends WorkerHost {
  private readonly logger = new Logger(ReportsConsumer.name);
  private readonly redisError = redisErrorWarning('worker reports', (fields, message) =>
    this.logger.warn(fields, message),
  );
  private readonly perRound = new KeyedSequence();

  constructor(
    private readonly rounds: RoundMessagesService,
    private readonly events: RoundEventsService,
  ) {
    super();
  }

  // Attached with the worker: its connection errors as one warning per interval, not a stack per retry.
  @OnWorkerEvent('error')
  onRedisError(error: Error): void {
    this.redisError(error);
  }

  async process(job: Job<unknown>): Promise<void> {
    const data = (job.data as { messages?: unknown } | null)?.messages;
    if (!Array.isArray(data)) return void this.logger.warn({ job_id: job.id }, 'invalid round messages dropped');
    const messages = data.flatMap((message) => this.validated(message, job));
    const applied = await Promise.allSettled(
      messages.flatMap((message, i) => {
        // A short Round's started and finished come together: one transaction for both.
        if (isStartOf(message, messages[i + 1])) return [];
        const previous = messages[i - 1];
        const started = isStartOf(previous, message) ? previous : undefined;
        return [this.perRound.run(message.round_id, () => this.apply(message, started))];
      }),
    );
    const failure = applied.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
  }

  /** The message, checked; none when it is invalid (logged). */
  private validated(data: unknown, job: Job<unknown>): RoundMessage[] {
    const result = validateRoundMessage(data);
    if (result.ok) return [result.value];
    this.logger.warn({ job_id: job.id, issues: result.issues }, 'invalid round message dropped');
    return [];
  }

  private async apply(message: RoundMessage, started?: RoundStartedMessage): Promise<void> {
    switch (message.type) {
      case 'started':
        return this.rounds.start(message);
      case 'retrying':
        return this.rounds.markRetrying(message);
      case 'finished':
        if (message.events) return this.rounds.finish(message, started);
        // The attempt's events went on the `events` queue: its last lines come before its end. They wait for
        // the start, so a start that came with the end is applied first.
        if (started) await this.rounds.start(started);
        await this.events.untilEnded(message.round_id, message.attempt);
        return this.rounds.finish(message);
    }
  }
}
