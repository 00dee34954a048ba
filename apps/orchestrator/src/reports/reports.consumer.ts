import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { QueueName, validateRoundMessage } from '@sc/schemas';
import type { Job } from 'bullmq';
import { RoundsService } from '../rounds/rounds.service';

/**
 * Round messages from workers (`reports` queue): started, retrying, finished. An invalid message is logged
 * and dropped (retrying it cannot fix it); a database error is thrown so that BullMQ retries the message.
 */
// Several messages in flight overlap the queue's round trips. Each reaches the UnitOfWork in fetch order
// (nothing awaits before it), so on SQLite a Round's started still commits before its finished; on Postgres
// a finished that wins the race starts the Round implicitly (RoundsService.onMessage).
@Processor(QueueName.Reports, { concurrency: 8 })
export class ReportsConsumer extends WorkerHost {
  private readonly logger = new Logger(ReportsConsumer.name);

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
