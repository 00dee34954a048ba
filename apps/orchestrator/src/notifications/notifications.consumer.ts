import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger } from '@nestjs/common';
import { redisErrorWarning } from '@sc/infrastructure';
import { NotificationSignatureHeader, QueueName, type NotifyJob } from '@sc/schemas';
import type { Job } from 'bullmq';
import { createHmac } from 'node:crypto';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../config/orchestrator.config';

// A receiver that takes longer is treated as down; the retry asks again.
const postTimeoutMs = 10_000;

/**
 * POSTs each notification to its URL, signed with `SC_NOTIFY_SECRET`. Anything but a 2xx answer (or no answer)
 * fails the job, and BullMQ tries again with backoff; a 2xx ends it, so a receiver accepts each event once.
 */
@Processor(QueueName.Notifications, { concurrency: 4 })
export class NotificationsConsumer extends WorkerHost {
  private readonly logger = new Logger(NotificationsConsumer.name);
  private readonly redisError = redisErrorWarning('notifications', (fields, message) =>
    this.logger.warn(fields, message),
  );

  constructor(@Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig) {
    super();
  }

  @OnWorkerEvent('error')
  onRedisError(error: Error): void {
    this.redisError(error);
  }

  async process(job: Job<NotifyJob>): Promise<void> {
    const { url, event, round_id, body } = job.data;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'solar-circuit',
      'x-sc-event': event,
    };
    if (this.config.notify.secret)
      headers[NotificationSignatureHeader] =
        `sha256=${createHmac('sha256', this.config.notify.secret).update(body).digest('hex')}`;
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(postTimeoutMs),
    });
    await response.body?.cancel();
    if (!response.ok) {
      this.logger.warn(
        { round_id, event, url: new URL(url).origin, status: response.status, attempt: job.attemptsMade + 1 },
        'notification refused',
      );
      throw new Error(`${new URL(url).origin} answered ${response.status}`);
    }
    this.logger.log({ round_id, event, url: new URL(url).origin }, 'notification delivered');
  }
}
