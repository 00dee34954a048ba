import {
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import {
  isTerminal,
  type PullRequestResult,
  type Report,
  type RoundView,
  type StoredWorkOrder,
  type TransitionEvent,
} from '@sc/schemas';
import type { Subscription } from 'rxjs';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../config/orchestrator.config';
import { ReportsService } from '../reports/reports.service';
import { RoundEventsService } from '../rounds/round-events.service';
import { RoundViewsService } from '../rounds/round-views.service';
import { RoundLinksService } from '../rounds/round-links.service';
import { WorkOrdersService } from '../workorders/workorders.service';
import { GitHubClient } from './github.client';
import { renderPullRequestBody } from './pull-request-body';
import { pickBranch, repositoryOf } from './round-target';

/**
 * Pull requests from Rounds: when a Round whose work-order has `pull_request` ends with commits, its branch
 * (pushed by the worker) gets a pull request whose body is the Report; `POST /rounds/:id/pull-request`
 * (`sc pr`) does the same by hand. One pull request per branch: a later attempt updates it and comments.
 */
@Injectable()
export class PullRequestsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PullRequestsService.name);
  private subscription?: Subscription;

  constructor(
    @Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig,
    private readonly client: GitHubClient,
    private readonly links: RoundLinksService,
    private readonly views: RoundViewsService,
    private readonly events: RoundEventsService,
    private readonly reports: ReportsService,
    private readonly workorders: WorkOrdersService,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.github.isEnabled)
      this.subscription = this.events.transitions().subscribe((event) => void this.onTransition(event));
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  /**
   * Opens the pull request of the Round's branch, or updates the one this Round opened before (body, plus
   * a comment for the new attempt), or comments on one somebody else opened for that branch.
   */
  async openOrUpdate(roundId: string): Promise<PullRequestResult> {
    const github = this.config.github;
    if (!github.isEnabled) throw new ConflictException(`the GitHub integration is not configured: ${github.reason}`);
    const round = await this.views.get(roundId);
    const report = await this.reports.get(roundId).catch((error: unknown) => {
      throw error instanceof NotFoundException ? new ConflictException(`round ${roundId} has no Report yet`) : error;
    });
    const order = await this.workorders.get(round.workorder_id);
    const branch = pickBranch(order, report);
    if (!branch) throw new ConflictException(`round ${roundId} has no commits to open a pull request from`);
    const repository = repositoryOf(order, report, branch);
    if (!repository)
      throw new ConflictException(
        `round ${roundId}: no GitHub repository in params.github.repository, repo.url or the origin remote of repo.path`,
      );
    const body = renderPullRequestBody({
      report,
      acceptance: order.acceptance,
      ...(github.publicUrl === undefined ? {} : { publicUrl: github.publicUrl }),
    });
    const existing = await this.client.findOpenPullRequest(repository, branch);
    let result: PullRequestResult;
    if (existing && existing.number === round.pull_request?.number) {
      await this.client.updatePullRequestBody(repository, existing.number, body);
      await this.client.createComment(repository, existing.number, attemptComment(round, report));
      result = { round_id: roundId, ...existing, action: 'updated' };
    } else if (existing) {
      await this.client.createComment(repository, existing.number, body);
      result = { round_id: roundId, ...existing, action: 'commented' };
    } else {
      const base = order.pull_request?.base ?? baseRefOf(order) ?? (await this.client.getDefaultBranch(repository));
      const opened = await this.client.createPullRequest(repository, {
        title: order.title,
        head: branch,
        base,
        body,
        draft: order.pull_request?.draft ?? false,
        labels: order.pull_request?.labels ?? [],
        reviewers: order.pull_request?.reviewers ?? [],
      });
      result = { round_id: roundId, ...opened, action: 'opened' };
    }
    await this.links.recordPullRequest(roundId, { number: result.number, url: result.url });
    this.logger.log(
      {
        round_id: roundId,
        workorder_id: round.workorder_id,
        repository,
        branch,
        number: result.number,
        action: result.action,
      },
      'pull request done',
    );
    return result;
  }

  /** A Round ended: its pull request, when its work-order asked for one and it committed something. */
  private async onTransition(event: TransitionEvent): Promise<void> {
    // A Round held for review gets its pull request only when approved; a rejected one keeps just its branch.
    if (!isTerminal(event.to) || (event.from === 'awaiting_review' && event.to !== 'succeeded')) return;
    try {
      const round = await this.views.get(event.round_id);
      const order = await this.workorders.get(round.workorder_id);
      if (!order.pull_request) return;
      const report = await this.reports.get(event.round_id);
      if (!pickBranch(order, report)) return;
      await this.openOrUpdate(event.round_id);
    } catch (error) {
      this.logger.warn({ round_id: event.round_id, err: error }, 'pull request not opened');
    }
  }
}

/** `repo.base_ref` when it names a branch (`HEAD` names none). */
function baseRefOf(order: StoredWorkOrder): string | undefined {
  const ref = order.repo?.base_ref;
  return ref === undefined || ref === 'HEAD' ? undefined : ref;
}

function attemptComment(round: RoundView, report: Report): string {
  return `Solar Circuit Round \`${round.id}\` attempt ${report.attempt} ended: **${report.status}**. The description above now shows this attempt's Report.`;
}
