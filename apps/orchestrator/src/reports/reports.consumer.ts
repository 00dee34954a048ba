import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { QueueName, validateRoundMessage, type RoundMessage } from '@sc/schemas';
import type { Job } from 'bullmq';
import { KeyedSequence } from '../queue/keyed-sequence';
import { RoundsService } from '../rounds/rounds.service';

/**
 * Round messages from workers (`reports` queue, in batches): started, retrying, finished. An invalid message
 * is logged and dropped (retrying it cannot fix it); a database error fails the batch so that BullMQ retries
 * it, and applying its other messages again changes nothing.
 */
// Several batches in flight overlap the queue's round trips. BullMQ hands them in fetch order, and the
// messages of one Round are applied one after another in that order (started, retrying, started, finished),
// on SQLite and on Postgres alike; different Rounds overlap, and on SQLite commit together.
@Processor(QueueName.Reports, { concurrency: 8 })
export class ReportsConsumer extends WorkerHost {
  private readonly logger = new Logger(ReportsConsumer.name);
  private readonly perRound = new KeyedSequence();

  constructor(private readonly rounds: RoundsService) {
    super();
  }

  async process(job: Job<unknown>): Promise<void> {
    const messages = (job.data as { messages?: unknown } | null)?.messages;
    if (!Array.isArray(messages)) return void this.logger.warn({ job_id: job.id }, 'invalid round messages dropped');
    const applied = await Promise.allSettled(messages.map((message) => this.applyInOrder(message, job)));
    const failure = applied.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
  }

  private applyInOrder(data: unknown, job: Job<unknown>): Promise<void> {
    const result = validateRoundMessage(data);
    if (!result.ok) {
      this.logger.warn({ job_id: job.id, issues: result.issues }, 'invalid round message dropped');
      return Promise.resolve();
    }
    const message = result.value;
    return this.perRound.run(message.round_id, () => this.apply(message));
  }

  private apply(message: RoundMessage): Promise<void> {
    switch (message.type) {
      case 'started':
        return this.rounds.start(message);
      case 'retrying':
        return this.rounds.markRetrying(message);
      case 'finished':
        return this.rounds.finish(message);
    }
  }
}
