import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { QueueName, validateRoundMessage, type RoundMessage } from '@sc/schemas';
import type { Job } from 'bullmq';
import { KeyedSequence } from '../queue/keyed-sequence';
import { RoundsService } from '../rounds/rounds.service';

/**
 * Round messages from workers (`reports` queue): started, retrying, finished. An invalid message is logged
 * and dropped (retrying it cannot fix it); a database error is thrown so that BullMQ retries the message.
 */
// Several messages in flight overlap the queue's round trips. BullMQ hands them in fetch order, and the
// messages of one Round are applied one after another in that order (started, retrying, started, finished),
// on SQLite and on Postgres alike; different Rounds overlap.
@Processor(QueueName.Reports, { concurrency: 8 })
export class ReportsConsumer extends WorkerHost {
  private readonly logger = new Logger(ReportsConsumer.name);
  private readonly perRound = new KeyedSequence();

  constructor(private readonly rounds: RoundsService) {
    super();
  }

  async process(job: Job<unknown>): Promise<void> {
    const result = validateRoundMessage(job.data);
    if (!result.ok) {
      this.logger.warn({ job_id: job.id, issues: result.issues }, 'invalid round message dropped');
      return;
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
