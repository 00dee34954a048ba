import { InjectQueue } from '@nestjs/bullmq';
import {
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import {
  JobName,
  notificationEventOf,
  QueueName,
  type Notification,
  type NotificationEvent,
  type NotifyJob,
  type Report,
  type RoundView,
  type TransitionEvent,
} from '@sc/schemas';
import type { Queue } from 'bullmq';
import { createHash } from 'node:crypto';
import type { Subscription } from 'rxjs';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../config/orchestrator.config';
import { ReportsService } from '../reports/reports.service';
import { RoundEventsService } from '../rounds/round-events.service';
import { RoundViewsService } from '../rounds/round-views.service';
import { WorkOrdersService } from '../workorders/workorders.service';

// BullMQ retries a refused POST from 1 s, doubling: about 17 minutes in all before it gives up.
const deliveryAttempts = 10;

/**
 * Turns a Round's end, wait and review into one `notify` job per URL (`SC_NOTIFY_URLS` and the work-order's
 * `notify`), after the transition committed. Nothing here can hold up or fail the Round: a notification that
 * cannot be queued is logged and dropped, and delivery happens in {@link NotificationsConsumer}.
 */
@Injectable()
export class NotificationsProducer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(NotificationsProducer.name);
  private subscription?: Subscription;

  constructor(
    @Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig,
    @InjectQueue(QueueName.Notifications) private readonly queue: Queue<NotifyJob>,
    private readonly events: RoundEventsService,
    private readonly views: RoundViewsService,
    private readonly reports: ReportsService,
    private readonly workorders: WorkOrdersService,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.events.transitions().subscribe((transition) => {
      const event = notificationEventOf(transition.to);
      if (!event) return;
      this.enqueue(event, transition).catch((error: unknown) =>
        this.logger.warn({ round_id: transition.round_id, event, err: error }, 'notification not queued'),
      );
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  private async enqueue(event: NotificationEvent, transition: TransitionEvent): Promise<void> {
    const round = await this.views.get(transition.round_id);
    const order = await this.workorders.get(round.workorder_id);
    const urls = [...new Set([...this.config.notify.urls, ...(order.notify ?? [])])];
    if (urls.length === 0) return;
    const report =
      event === 'round.waiting'
        ? undefined
        : await this.reports.get(round.id).catch((error: unknown) => {
            if (error instanceof NotFoundException) return undefined; // cancelled before it ran: no Report
            throw error;
          });
    const notification: Notification = {
      event,
      round,
      ...(report ? { report } : {}),
      text: describe(event, round, report),
    };
    const body = JSON.stringify(notification);
    await this.queue.addBulk(
      urls.map((url) => ({
        name: JobName.Notify,
        data: { url, event, round_id: round.id, body },
        // One job per event and URL: a transition seen twice (a retried change) is queued once.
        opts: {
          jobId: [
            round.id,
            transition.attempt,
            transition.to,
            createHash('sha256').update(url).digest('hex').slice(0, 16),
          ].join('.'),
          attempts: deliveryAttempts,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: { age: 86_400 },
          removeOnFail: { age: 7 * 86_400 },
        },
      })),
    );
  }
}

/** The `text` of a notification: one line a person reads in a chat. */
function describe(event: NotificationEvent, round: RoundView, report: Report | undefined): string {
  const name = `Round ${round.id} "${round.title}"`;
  if (event === 'round.waiting') return `${name} is waiting for a model's rate or usage limit to reset.`;
  const summary = report?.summary.split('\n')[0];
  const tail = summary ? `: ${summary}` : '.';
  if (event === 'round.awaiting_review')
    return `${name} awaits review (sc rounds diff ${round.id}; sc rounds approve|reject ${round.id})${tail}`;
  return `${name} ${round.state} (attempt ${round.attempt})${tail}`;
}
