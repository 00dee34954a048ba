import { Args, Flags } from '@oclif/core';
import type { Report, StoredWorkOrder, WorkOrder, WorkOrderJob } from '@sc/schemas';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { BaseCommand } from '../base-command';
import { UsageError } from '../errors';
import { loadPlugins, pluginsFlag } from '../plugin-discovery';
import { formatReport, formatRoundEvent } from '../round-format';
import { readWorkOrderFile } from '../workorder-file';

export default class Run extends BaseCommand<typeof Run> {
  static override summary =
    'Run one Round in this process, without orchestrator, database or Redis, and print its Report.';
  static override description =
    'Uses the same schema, plugin registry and runner as a worker. Artifacts go to <data-dir>/artifacts, logs to <log-dir>/<date>.jsonl. Ctrl-C cancels the Round. Exits 0 only when the Round succeeded.';
  static override examples = [
    '<%= config.bin %> run examples/echo.json',
    '<%= config.bin %> run wo.yaml --json | jq .status',
  ];
  static override args = {
    file: Args.string({ description: 'work-order file, .json, .yaml or .yml', required: true }),
  };
  static override flags = {
    'data-dir': Flags.string({ summary: 'Where artifacts are written.', env: 'SC_DATA_DIR', default: './data' }),
    'log-dir': Flags.string({ summary: 'Where the JSON-lines log goes.', env: 'SC_LOG_DIR', default: './logs' }),
    plugins: pluginsFlag,
  };

  async run(): Promise<Report> {
    const order = await readWorkOrderFile(this.args.file);
    const {
      runRound,
      createLocalArtifactStore,
      ModelGateway,
      loadAgentCliSettings,
      loadModelPrices,
      loadUpstreams,
      SandboxRuntime,
      spareCopiesMade,
    } = await import('@sc/runner');
    const { createJsonLinesLogger } = await import('@sc/infrastructure');
    const job = await toJob(order);
    const dataDir = resolve(this.flags['data-dir']);
    let models: {
      upstreams: ReturnType<typeof loadUpstreams>;
      prices: ReturnType<typeof loadModelPrices>;
      sandbox: ReturnType<typeof SandboxRuntime.load>;
      agentCli: ReturnType<typeof loadAgentCliSettings>;
    };
    try {
      models = {
        upstreams: loadUpstreams(),
        prices: loadModelPrices(),
        sandbox: SandboxRuntime.load(process.env, dataDir),
        agentCli: loadAgentCliSettings(),
      };
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const gateway = new ModelGateway(models.upstreams, models.prices);
    // Logs go to the file only: stdout belongs to the Report (and to nothing but JSON with --json).
    const logger = createJsonLinesLogger({
      service: 'cli',
      logDir: resolve(this.flags['log-dir']),
      stdout: false,
    }).child({
      workorder_id: job.workorder_id,
      round_id: job.round_id,
    });
    const registry = await loadPlugins(this.flags.plugins, logger, models.agentCli);
    const cancel = new AbortController();
    const onSignal = () => cancel.abort(new Error('interrupted'));
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    this.log(`Round ${job.round_id} (work-order ${job.workorder_id}, plugin ${job.order.plugin})`);
    try {
      const report = await runRound(job, {
        registry,
        logger,
        signal: cancel.signal,
        worker: `${hostname()}:${process.pid}`,
        dataDir,
        artifacts: createLocalArtifactStore({ dataDir }),
        gateway,
        prices: models.prices,
        sandbox: models.sandbox,
        onEvent: (event) => this.log(formatRoundEvent(event)),
      });
      formatReport(report).forEach((line) => this.log(line));
      if (report.status !== 'success') this.markFailed();
      // The next Round on this machine restores its caches by one rename, not a copy.
      await spareCopiesMade();
      return report;
    } finally {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      await gateway.close();
    }
  }
}

// The orchestrator stores a work-order with its id and branch decided; a local Round decides them here.
// validateWorkOrder has already filled plugin, phases and priority from the schema's defaults.
async function toJob(order: WorkOrder): Promise<WorkOrderJob> {
  const { defaultBranchName } = await import('@sc/schemas');
  const id = order.id ?? `local-${randomUUID()}`;
  const stored = { ...order, id, branch: order.branch ?? defaultBranchName(order.title, id) } as StoredWorkOrder;
  return { round_id: randomUUID(), workorder_id: stored.id, attempt: 1, order: stored };
}
