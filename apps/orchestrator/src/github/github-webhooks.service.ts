import {
  BadRequestException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  UnauthorizedException,
} from '@nestjs/common';
import type { PluginRegistry } from '@sc/runner';
import {
  formatIssues,
  IllegalTransitionError,
  isTerminal,
  validateWorkOrder,
  type Report,
  type RoundState,
  type StoredWorkOrder,
  type WorkOrder,
} from '@sc/schemas';
import type { Subscription } from 'rxjs';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../config/orchestrator.config';
import { ReportsService } from '../reports/reports.service';
import { RoundEventsService } from '../rounds/round-events.service';
import { RoundViewsService } from '../rounds/round-views.service';
import { RoundsService } from '../rounds/rounds.service';
import { PLUGIN_REGISTRY } from '../workorders/plugin-registry.provider';
import { WorkOrdersService } from '../workorders/workorders.service';
import {
  asCheckRunCompleted,
  asIssueCommentCreated,
  asIssueLabeled,
  asReviewCommentCreated,
  asReviewSubmitted,
  asWorkflowRunCompleted,
  type GitHubRepositoryPayload,
  type IssueCommentCreatedEvent,
  type IssueLabeledEvent,
  type ReviewCommentCreatedEvent,
} from './github-events';
import { ScLabel, toIssueWorkOrder, toPullRequestWorkOrder } from './github-workorders';
import type { GitHubConfig } from './github.config';
import { GitHubClient } from './github.client';
import { GitHubRepository } from './github.repository';
import { commandFix, reviewFix } from './pull-request-fix';
import { PullRequestFixesService } from './pull-request-fixes.service';
import { renderRoundEndedComment, renderRoundQueuedComment } from './round-comment';
import { parseScCommand } from './sc-command';

/** One webhook request as the controller received it. */
export interface WebhookDelivery {
  event?: string;
  deliveryId?: string;
  signature?: string;
  /** The bytes GitHub signed: the signature is checked on these, never on re-serialized JSON. */
  rawBody?: Buffer;
  payload: unknown;
}

/** The answer to GitHub: 200 when something was done, 202 when the delivery was accepted and ignored. */
export interface WebhookOutcome {
  status: 200 | 202;
  body: { result: string; round_id?: string; workorder_id?: string };
}

type EnabledGitHub = Extract<GitHubConfig, { isEnabled: true }>;

// Comments edited at start, at most: older ones are long out of anyone's sight.
const missedCommentsPerStart = 100;

/**
 * `POST /webhooks/github`: checks GitHub's signature, handles each delivery once, turns an issue labelled
 * `sc` into a work-order and `/sc run` / `/sc cancel` comments on pull requests into Rounds and cancels, and
 * keeps one bot comment per Round up to date.
 */
@Injectable()
export class GitHubWebhooksService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(GitHubWebhooksService.name);
  private subscription?: Subscription;
  private verify?: Promise<(secret: string, payload: string, signature: string) => Promise<boolean>>;

  constructor(
    @Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig,
    private readonly repository: GitHubRepository,
    private readonly client: GitHubClient,
    private readonly workorders: WorkOrdersService,
    private readonly rounds: RoundsService,
    private readonly views: RoundViewsService,
    private readonly events: RoundEventsService,
    private readonly reports: ReportsService,
    private readonly fixes: PullRequestFixesService,
    @Inject(PLUGIN_REGISTRY) private readonly plugins: PluginRegistry,
  ) {}

  /** Says once whether the feature is on, and follows Round ends to edit the bot's comments. */
  onApplicationBootstrap(): void {
    const github = this.config.github;
    if (!github.isEnabled) return this.logger.log({ reason: github.reason }, 'github integration disabled');
    this.logger.log({ api_url: github.apiUrl }, 'github integration enabled');
    this.subscription = this.events.transitions().subscribe((event) => {
      if (isTerminal(event.to)) void this.editEndedComment(event.round_id, event.to);
    });
    void this.editMissedComments();
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  /** Verifies, deduplicates and handles one delivery. */
  async receive(delivery: WebhookDelivery): Promise<WebhookOutcome> {
    const github = this.enabled();
    await this.assertSigned(github, delivery);
    if (!delivery.event) throw new BadRequestException('missing X-GitHub-Event header');
    if (!delivery.deliveryId || delivery.deliveryId.length > 64)
      throw new BadRequestException('missing or overlong X-GitHub-Delivery header');
    if (
      !(await this.repository.recordDelivery(
        delivery.deliveryId,
        delivery.event.slice(0, 64),
        new Date().toISOString(),
      ))
    ) {
      this.logger.log({ delivery: delivery.deliveryId, event: delivery.event }, 'repeated github delivery ignored');
      return { status: 202, body: { result: 'repeated delivery ignored' } };
    }
    try {
      return await this.handle(github, delivery.event, delivery.payload);
    } catch (error) {
      // A failed delivery is forgotten so that GitHub's redelivery is handled afresh.
      await this.repository.forgetDelivery(delivery.deliveryId);
      throw error;
    }
  }

  private enabled(): EnabledGitHub {
    const github = this.config.github;
    if (!github.isEnabled) throw new NotFoundException('the GitHub integration is not configured');
    return github;
  }

  /** `X-Hub-Signature-256` over the raw body with the webhook secret (constant-time, by webhooks-methods). */
  private async assertSigned(github: EnabledGitHub, delivery: WebhookDelivery): Promise<void> {
    if (!delivery.signature || !delivery.rawBody)
      throw new UnauthorizedException('missing X-Hub-Signature-256 signature');
    // ESM-only package: loaded once, on the first delivery.
    this.verify ??= import('@octokit/webhooks-methods').then((methods) => methods.verify);
    const verify = await this.verify;
    const isValid = await verify(github.webhookSecret, delivery.rawBody.toString('utf8'), delivery.signature).catch(
      () => false,
    );
    if (!isValid) throw new UnauthorizedException('wrong X-Hub-Signature-256 signature');
  }

  private async handle(github: EnabledGitHub, event: string, payload: unknown): Promise<WebhookOutcome> {
    if (event === 'ping') return { status: 200, body: { result: 'pong' } };
    if (event === 'issues') {
      const labeled = asIssueLabeled(payload);
      if (!labeled) return ignored('issues event other than labeled');
      if (labeled.label.name !== ScLabel) return ignored(`label "${labeled.label.name}" is not "${ScLabel}"`);
      return this.startFromIssue(github, labeled);
    }
    if (event === 'issue_comment') {
      const comment = asIssueCommentCreated(payload);
      if (!comment) return ignored('issue_comment event other than created');
      return this.runComment(github, comment);
    }
    if (event === 'pull_request_review') {
      const review = asReviewSubmitted(payload);
      if (!review) return ignored('pull_request_review event other than submitted');
      if (review.review.state.toLowerCase() !== 'changes_requested') return ignored(`review ${review.review.state}`);
      const { id, user, body } = review.review;
      const number = review.pull_request.number;
      // Read only once the pull request is known to be a Round's: most reviews are of others.
      return this.fixes.fix(review.repository, number, async () =>
        reviewFix(
          number,
          { id, login: user.login, body },
          await this.client.reviewComments(review.repository.full_name, number, id),
        ),
      );
    }
    if (event === 'pull_request_review_comment') {
      const comment = asReviewCommentCreated(payload);
      return comment
        ? this.fixFromReviewComment(comment)
        : ignored('pull_request_review_comment event other than created');
    }
    if (event === 'check_run') {
      const run = asCheckRunCompleted(payload);
      return run ? this.fixes.onCheckRun(run) : ignored('check_run event other than completed');
    }
    if (event === 'workflow_run') {
      const run = asWorkflowRunCompleted(payload);
      return run ? this.fixes.onWorkflowRun(run) : ignored('workflow_run event other than completed');
    }
    return ignored(`event "${event}" is not handled`);
  }

  private async startFromIssue(github: EnabledGitHub, event: IssueLabeledEvent): Promise<WebhookOutcome> {
    const built = toIssueWorkOrder(event.issue, event.repository);
    const submitted = built.ok ? await this.submit(built.order) : built;
    if (!submitted.ok)
      return this.refuse(event.repository.full_name, event.issue.number, 'start a Round', submitted.reason);
    const { answer } = submitted;
    await this.link(github, event.repository, event.issue.number, Boolean(event.issue.pull_request), answer.round_id);
    return { status: 200, body: { result: 'round queued', ...answer } };
  }

  private async runComment(github: EnabledGitHub, event: IssueCommentCreatedEvent): Promise<WebhookOutcome> {
    // The bot's own comments (and other bots') never start work, so two bots cannot loop.
    if (event.comment.user.type === 'Bot') return ignored('comment by a bot');
    const command = parseScCommand(event.comment.body, (name) => this.plugins.get(name) !== undefined);
    if (!command) return ignored('comment is not an /sc command');
    if (!event.issue.pull_request) return ignored('/sc commands are read on pull requests');
    const repository = event.repository.full_name;
    if (command.type === 'fix')
      return this.fixes.fix(
        event.repository,
        event.issue.number,
        commandFix(event.issue.number, event.comment.user.login, command.text),
      );
    if (command.type === 'cancel') {
      const link = await this.repository.findLatestLink(repository, event.issue.number);
      if (!link) return ignored(`no Round for pull request #${event.issue.number}`);
      try {
        await this.rounds.cancel(link.roundId);
      } catch (error) {
        if (!(error instanceof IllegalTransitionError)) throw error;
        return this.refuse(repository, event.issue.number, 'cancel', `Round \`${link.roundId}\` has already ended`);
      }
      return { status: 200, body: { result: 'cancel requested', round_id: link.roundId } };
    }
    const pull = await this.client.getPullRequest(repository, event.issue.number);
    const previous = await this.previousWorkOrder(repository, event.issue.number);
    const submitted = await this.submit(toPullRequestWorkOrder(pull, event.repository, command, previous));
    if (!submitted.ok) return this.refuse(repository, event.issue.number, 'start a Round', submitted.reason);
    await this.link(github, event.repository, event.issue.number, true, submitted.answer.round_id);
    return { status: 200, body: { result: 'round queued', ...submitted.answer } };
  }

  /** `/sc fix [text]` on a line of a pull request's diff: the text, and where it was said. */
  private async fixFromReviewComment(event: ReviewCommentCreatedEvent): Promise<WebhookOutcome> {
    const { comment, pull_request: pull } = event;
    if (comment.user.type === 'Bot') return ignored('comment by a bot');
    const command = parseScCommand(comment.body, () => false);
    if (command?.type !== 'fix') return ignored('review comment is not /sc fix');
    const at = comment.path === undefined ? undefined : `${comment.path}${comment.line ? `:${comment.line}` : ''}`;
    return this.fixes.fix(event.repository, pull.number, commandFix(pull.number, comment.user.login, command.text, at));
  }

  /** The work-order of the newest Round started from this issue or pull request, if any. */
  private async previousWorkOrder(repository: string, issueNumber: number): Promise<StoredWorkOrder | undefined> {
    const link = await this.repository.findLatestLink(repository, issueNumber);
    if (!link) return undefined;
    const round = await this.views.get(link.roundId);
    return this.workorders.get(round.workorder_id);
  }

  /**
   * Checks a work-order built from GitHub's data against the schema, as `POST /workorders` would, and submits
   * it. A work-order the API refuses (schema, unknown plugin) is the issue author's to fix: the reason goes
   * back to them in a comment, not to GitHub as an error status.
   */
  private async submit(
    order: WorkOrder,
  ): Promise<{ ok: true; answer: { workorder_id: string; round_id: string } } | { ok: false; reason: string }> {
    const checked = validateWorkOrder(order);
    if (!checked.ok) return { ok: false, reason: `invalid work-order: ${formatIssues(checked.issues)}` };
    try {
      const { workorder_id, round_id } = await this.workorders.submit(checked.value);
      return { ok: true, answer: { workorder_id, round_id } };
    } catch (error) {
      if (error instanceof BadRequestException) return { ok: false, reason: error.message };
      throw error;
    }
  }

  /** Tells the issue or pull request why the command was not carried out (`action`), and answers GitHub 202. */
  private async refuse(
    repository: string,
    issueNumber: number,
    action: string,
    reason: string,
  ): Promise<WebhookOutcome> {
    this.logger.log({ repository, issue_number: issueNumber, action, reason }, 'github command refused');
    await this.client
      .createComment(repository, issueNumber, `Solar Circuit did not ${action}: ${reason}`)
      .catch((error: unknown) => {
        this.logger.warn({ repository, issue_number: issueNumber, err: error }, 'github comment not posted');
      });
    return ignored(`did not ${action}: ${reason}`);
  }

  /** Remembers where the Round came from and posts the bot's comment; a failed comment does not undo the Round. */
  private async link(
    github: EnabledGitHub,
    repository: GitHubRepositoryPayload,
    issueNumber: number,
    isPullRequest: boolean,
    roundId: string,
  ): Promise<void> {
    await this.repository.insertLink({
      roundId,
      repository: repository.full_name,
      issueNumber,
      isPullRequest,
      commentId: null,
      createdAt: new Date().toISOString(),
    });
    try {
      const commentId = await this.client.createComment(
        repository.full_name,
        issueNumber,
        renderRoundQueuedComment(roundId, github.publicUrl),
      );
      await this.repository.setCommentId(roundId, commentId);
    } catch (error) {
      this.logger.warn(
        { round_id: roundId, repository: repository.full_name, issue_number: issueNumber, err: error },
        'github comment not posted',
      );
    }
  }

  /** A linked Round ended: its comment says how, and is marked so. */
  private async editEndedComment(roundId: string, state: RoundState): Promise<void> {
    try {
      const link = await this.repository.findLink(roundId);
      if (!link?.commentId) return;
      const report: Report | undefined = await this.reports.get(roundId).catch(() => undefined);
      const github = this.enabled();
      await this.client.updateComment(
        link.repository,
        link.commentId,
        renderRoundEndedComment(roundId, state, report, github.publicUrl),
      );
      await this.repository.markEnded(roundId, state);
      this.logger.log(
        { round_id: roundId, repository: link.repository, issue_number: link.issueNumber },
        'github comment updated',
      );
    } catch (error) {
      this.logger.warn({ round_id: roundId, err: error }, 'github comment not updated');
    }
  }

  /**
   * At start: comments whose Round ended while they could not be edited (the orchestrator stopped, GitHub did
   * not answer) are edited now.
   */
  private async editMissedComments(): Promise<void> {
    try {
      for (const link of await this.repository.findOpenComments(missedCommentsPerStart)) {
        const round = await this.views.get(link.roundId);
        if (isTerminal(round.state)) await this.editEndedComment(link.roundId, round.state);
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'missed github comments not edited');
    }
  }
}

function ignored(result: string): WebhookOutcome {
  return { status: 202, body: { result: `ignored: ${result}` } };
}
