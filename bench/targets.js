// @ts-check
// The targets of issue 8, each checked against figures of the same run.

/** One target: what it says, the figure, the bound, and whether the figure meets it. */
function target(name, value, comparison, bound) {
  const met = Number.isFinite(value) && (comparison === '<=' ? value <= bound : value >= bound);
  return { name, value, target: `${comparison} ${bound}`, met };
}

/** Every target with its figure; `api` is one entry per database. */
function evaluateTargets(figures) {
  const fourProcesses = figures.scale_out.find((step) => step.processes === 4);
  const targets = [
    target('throughput / raw BullMQ', figures.throughput.ratio_to_baseline, '>=', 0.25),
    target('latency p50 ms', figures.latency.p50_ms, '<=', 5),
    target('latency p99 ms', figures.latency.p99_ms, '<=', 25),
  ];
  for (const api of figures.api) {
    for (const route of ['list', 'list_cursor', 'list_status', 'list_label', 'get']) {
      targets.push(target(`${api.database} ${route} p99 ms (${api.rounds} Rounds)`, api[route].p99_ms, '<=', 20));
    }
  }
  targets.push(
    target('scale-out 4 processes / ideal', fourProcesses ? fourProcesses.ratio : NaN, '>=', 0.8),
    target('orchestrator ready ms', figures.footprint.orchestrator_ready_ms, '<=', 1500),
    target('worker idle RSS MB', figures.footprint.idle.worker_rss_mb, '<=', 120),
    target('sc --help / node -e 0', figures.footprint.cli.ratio, '<=', 3),
    target('sc as installed by npm link / node bin/run.js', figures.footprint.cli.linked_ratio, '<=', 1.1),
    target('gateway added first byte p99 ms', figures.gateway.added_first_byte_ms.p99, '<=', 1),
    target('gateway added end of stream p99 ms', figures.gateway.added_end_ms.p99, '<=', 1),
  );
  // A machine without a sandbox skips the measure (the bench says why) rather than missing the target.
  if (!figures.sandbox.skipped)
    targets.push(target('sandbox added start-up ms per agent', figures.sandbox.added_start_ms, '<=', 50));
  // Issue 20: job taken → agent process started, pooled worktree and cache warm (its size is the run's: 100,000 files in full).
  if (!figures.worktrees.skipped)
    targets.push(
      target(`agent start ms, warm, ${figures.worktrees.files} files`, figures.worktrees.warm_ms.p50, '<=', 1500),
    );
  return {
    met: targets.filter((t) => t.met).length,
    missed: targets.filter((t) => !t.met).map((t) => t.name),
    all: targets,
  };
}

module.exports = { evaluateTargets };
