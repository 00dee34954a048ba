import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Report, TransitionEvent } from '@sc/schemas';
import type { Subscription } from 'rxjs';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../config/orchestrator.config';
import { ReportsService } from '../reports/reports.service';
import { RoundEventsService } from '../rounds/round-events.service';
import { RoundViewsService } from '../rounds/round-views.service';
import { WorkOrdersService } from '../workorders/workorders.service';
import { checkConclusionOf, renderCheckRunEnded, renderCheckRunStarted, ScCheckName } from './check-run';
import { GitHubClient } from './github.client';
import { pickBranch, repositoryOf } from './round-target';

/** A check run an attempt posted while running, completed when the attempt ends. */
interface StartedCheckRun {
  repository: string;
  id: number;
  sha: string;
}

/**
 * The `sc` check run of each attempt of a Round whose branches go to GitHub (its work-order has
 * `pull_request`): in progress on the branch's head while the attempt runs (when GitHub has the branch
 * already: a retry, a fix, a Round continuing a pull request), then completed with the attempt's
 * conclusion, tokens and cost per agent and model, and the Round's link — on the head commit the attempt
 * pushed, or the one it ran on. Check runs need a GitHub App (Checks: write); a refusal is logged and
 * changes nothing else.
 */
@Injectable()
export class CheckRunsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CheckRunsService.name);
  private subscription?: Subscription;
  // Kept in memory: an attempt that ends after a restart posts a completed check run of its own instead.
  private readonly started = new Map<string, StartedCheckRun>();
  // A short attempt's start and end come together: each Round's transitions are handled one after the other.
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    @Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig,
    private readonly client: GitHubClient,
    private readonly views: RoundViewsService,
    private readonly events: RoundEventsService,
    private readonly reports: ReportsService,
    private readonly workorders: WorkOrdersService,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.github.isEnabled)
      this.subscription = this.events.transitions().subscribe((event) => this.enqueue(event));
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  private enqueue(event: TransitionEvent): void {
    if (event.to !== 'running' && checkConclusionOf(event.to) === undefined) return;
    const next = (this.chains.get(event.round_id) ?? Promise.resolve()).then(() => this.post(event));
    this.chains.set(event.round_id, next);
    void next.then(() => {
      if (this.chains.get(event.round_id) === next) this.chains.delete(event.round_id);
    });
  }

  private async post(event: TransitionEvent): Promise<void> {
    const github = this.config.github;
    const publicUrl = github.isEnabled ? github.publicUrl : undefined;
    const key = `${event.round_id}:${event.attempt}`;
    try {
      const round = await this.views.get(event.round_id);
      const order = await this.workorders.get(round.workorder_id);
      if (!order.pull_request) return;
      // This attempt's Report when it ended; while it runs, the one before (which names the repository of a repo.path checkout).
      const report: Report | undefined = await this.reports.get(event.round_id).catch(() => undefined);
      if (event.to === 'running') {
        const repository = repositoryOf(order, report, order.branch);
        const sha =
          repository === undefined || this.started.has(key)
            ? undefined
            : await this.client.getBranchHead(repository, order.branch);
        if (repository === undefined || sha === undefined) return;
        const id = await this.client.createCheckRun(repository, {
          name: ScCheckName,
          head_sha: sha,
          ...renderCheckRunStarted(event.round_id, event.attempt, publicUrl),
        });
        this.started.set(key, { repository, id, sha });
        return;
      }
      const ended = report?.attempt === event.attempt ? report : undefined;
      const branch = (ended && pickBranch(order, ended)) ?? order.branch;
      const repository = repositoryOf(order, ended, branch);
      const fields = renderCheckRunEnded(event.round_id, event.attempt, event.to, ended, publicUrl);
      const started = this.started.get(key);
      this.started.delete(key);
      if (started) await this.client.updateCheckRun(started.repository, started.id, fields);
      const head = ended?.commits.findLast((commit) => commit.branch === branch)?.sha;
      if (repository !== undefined && head !== undefined && head !== started?.sha)
        await this.client.createCheckRun(repository, { name: ScCheckName, head_sha: head, ...fields });
      this.logger.log(
        { round_id: event.round_id, attempt: event.attempt, conclusion: fields.conclusion },
        'check run posted',
      );
    } catch (error) {
      this.logger.warn({ round_id: event.round_id, attempt: event.attempt, err: error }, 'check run not posted');
    }
  }
}
