import {
  formatIssues,
  ReportSchemaVersion,
  validateReport,
  type AgentSelection,
  type AgentSession,
  type ArtifactRef,
  type CommitRef,
  type LogEvent,
  type PhaseEvent,
  type PhaseResult,
  type Report,
  type ReportStatus,
  type WorkOrderJob,
} from '@sc/schemas';
import type { PhaseOutcome } from '@sc/plugin-sdk';
import type { Logger } from 'pino';
import type { ModelPrices } from './pricing/model-prices';
import { TokenLedger, type LedgerStore } from './token-ledger';

const maxSummaryLength = 100_000;
/** The longest error a Report keeps (a plugin's message, a schema refusal). */
export const maxErrorLength = 10_000;

/** What a {@link RoundRecorder} needs of the Round's options. */
export interface RoundRecorderOptions {
  logger: Logger;
  worker: string;
  onEvent?: (event: PhaseEvent | LogEvent) => void;
  prices?: ModelPrices;
  ledgerStore?: LedgerStore;
}

/** Collects what the phases of one attempt produced and turns it into the Report. */
export class RoundRecorder {
  readonly ledger: TokenLedger;
  readonly logger: Logger;
  private readonly startedAt = new Date().toISOString();
  private readonly phases: PhaseResult[] = [];
  private readonly artifacts = new Map<string, ArtifactRef>();
  private readonly commits: CommitRef[] = [];
  private readonly sessions = new Map<string, AgentSession>();
  private summary = '';
  private selection?: AgentSelection;

  constructor(
    readonly job: WorkOrderJob,
    private readonly options: RoundRecorderOptions,
  ) {
    this.logger = options.logger;
    this.ledger = new TokenLedger(job.order.budget, options.prices, options.ledgerStore);
  }

  emit(event: PhaseEvent | LogEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch (error) {
      this.logger.warn({ err: error }, 'event listener failed');
    }
  }

  addArtifact(ref: ArtifactRef): void {
    this.artifacts.set(ref.name, ref);
  }

  addPhase(result: PhaseResult): void {
    this.phases.push(result);
  }

  addOutcome(outcome: PhaseOutcome): void {
    if (typeof outcome.summary === 'string' && outcome.summary !== '')
      this.summary = truncate(outcome.summary, maxSummaryLength);
    if (Array.isArray(outcome.commits)) this.commits.push(...outcome.commits);
    // One entry per agent and session: a later phase of the same session adds nothing new.
    for (const session of outcome.sessions ?? [])
      this.sessions.set(`${session.agent}\u0000${session.session_id}`, { ...session, attempt: this.job.attempt });
    if (outcome.selection) this.selection = outcome.selection;
  }

  /** The Report; when what the plugin returned breaks the schema, an `error` Report saying where. */
  finish(status: ReportStatus, error?: string): Report {
    const report = this.build(status, error, this.commits);
    const checked = validateReport(report);
    if (checked.ok) return report;
    const invalid = `plugin ${this.job.order.plugin} returned a result the report schema refuses: ${formatIssues(checked.issues)}`;
    return this.build('error', truncate(invalid, maxErrorLength), []);
  }

  private build(status: ReportStatus, error: string | undefined, commits: CommitRef[]): Report {
    const { job } = this;
    const report: Report = {
      schema_version: ReportSchemaVersion,
      round_id: job.round_id,
      workorder_id: job.workorder_id,
      status,
      summary: this.summary || (error ?? ''),
      started_at: this.startedAt,
      finished_at: new Date().toISOString(),
      phases: [...this.phases],
      token_usage: this.ledger.totals(),
      cost_usd: this.ledger.totalCostUsd(),
      artifacts: [...this.artifacts.values()],
      commits: [...commits],
      ...(this.sessions.size > 0 ? { sessions: [...this.sessions.values()] } : {}),
      ...(this.selection ? { selection: this.selection } : {}),
      attempt: job.attempt,
      worker: this.options.worker,
    };
    if (error !== undefined) report.error = error;
    return report;
  }
}

/**
 * The Report of an attempt that ends before anything of it runs (status `error`, no phase, nothing spent): what
 * `runRound` answers for an unknown plugin, for a caller that refuses the attempt itself (a worker whose
 * `SC_AGENT_LIMITS` the work-order's agents could never fit in).
 */
export function refusedReport(job: WorkOrderJob, options: RoundRecorderOptions, error: string): Report {
  return new RoundRecorder(job, options).finish('error', truncate(error, maxErrorLength));
}

/** `text`, cut to `max` characters with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
