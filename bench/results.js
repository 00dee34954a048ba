// @ts-check
// The short Markdown table of a run (bench/results/latest.md).

/** The run as Markdown: the targets with their figures, then the other figures. */
function toMarkdown(result) {
  const lines = [
    `# Bench results (${result.mode}, ${result.node}, ${new Date().toISOString().slice(0, 16)}Z)`,
    '',
    `Targets met: ${result.targets.met} of ${result.targets.all.length}.`,
    '',
    '| target | figure | bound | met |',
    '| -- | --: | -- | -- |',
    ...result.targets.all.map((t) => `| ${t.name} | ${t.value} | ${t.target} | ${t.met ? 'yes' : '**no**'} |`),
    '',
    '| figure | value |',
    '| -- | --: |',
    `| raw BullMQ jobs/s (concurrency ${result.concurrency}, ${result.in_flight} in flight) | ${result.baseline.jobs_per_s} |`,
    `| raw BullMQ add→completed p50 / p95 / p99 ms | ${summary(result.baseline.latency)} |`,
    `| rounds/s through HTTP (${result.throughput.rounds} echo work-orders) | ${result.throughput.rounds_per_s} |`,
    `| submit→Report stored p50 / p95 / p99 ms | ${summary(result.latency)} |`,
    ...result.api.flatMap((api) =>
      ['list', 'list_cursor', 'list_status', 'list_label', 'get'].map(
        (route) =>
          `| ${api.database}, ${api.rounds} Rounds: ${route} p50 / p99 ms | ${api[route].p50_ms} / ${api[route].p99_ms} |`,
      ),
    ),
    ...result.scale_out.map(
      (step) =>
        `| scale-out ${step.processes} × ${step.concurrency}: rounds/s (ideal) | ${step.rounds_per_s} (${step.ideal_per_s}) |`,
    ),
    `| orchestrator ready ms | ${result.footprint.orchestrator_ready_ms} |`,
    `| RSS MB idle: orchestrator / worker | ${result.footprint.idle.orchestrator_rss_mb} / ${result.footprint.idle.worker_rss_mb} |`,
    `| RSS MB loaded (peak): orchestrator / worker | ${result.footprint.loaded.orchestrator_rss_mb} / ${result.footprint.loaded.worker_rss_mb} |`,
    `| \`sc --help\` / \`node -e 0\` ms | ${result.footprint.cli.sc_help_ms} / ${result.footprint.cli.node_ms} |`,
    `| \`sc --help\` through \`npm link\` ms | ${result.footprint.cli.linked_sc_help_ms} |`,
    `| model call first byte p50 / p99 ms, direct → through the gateway (${result.gateway.calls} calls) | ${result.gateway.direct.first_byte.p50_ms} / ${result.gateway.direct.first_byte.p99_ms} → ${result.gateway.gateway.first_byte.p50_ms} / ${result.gateway.gateway.first_byte.p99_ms} |`,
    `| model call end of stream p50 / p99 ms, direct → through the gateway | ${result.gateway.direct.end.p50_ms} / ${result.gateway.direct.end.p99_ms} → ${result.gateway.gateway.end.p50_ms} / ${result.gateway.gateway.end.p99_ms} |`,
    `| model call end of stream p50 / p99 ms through a bare Node HTTP proxy / a byte relay (the hop alone) | ${result.gateway.bare_proxy.end.p50_ms} / ${result.gateway.bare_proxy.end.p99_ms}; ${result.gateway.tcp_relay.end.p50_ms} / ${result.gateway.tcp_relay.end.p99_ms} |`,
    `| CPU ms per model call: gateway / bare proxy | ${result.gateway.gateway_cpu_ms_per_call} / ${result.gateway.bare_proxy_cpu_ms_per_call} |`,
    result.sandbox.skipped
      ? `| agent sandbox | not measured: ${result.sandbox.skipped} |`
      : `| agent start-up p50 ms, direct → sandboxed; a command inside (\`git --version\`) ms, direct → sandboxed | ${result.sandbox.start.direct_p50_ms} → ${result.sandbox.start.sandboxed_p50_ms}; ${result.sandbox.command_ms.direct} → ${result.sandbox.command_ms.sandboxed} |`,
    result.worktrees.skipped
      ? `| agent start on a big repository | not measured: ${result.worktrees.skipped} |`
      : `| job taken → agent started ms, ${result.worktrees.files} files, node_modules of ${result.worktrees.cache_files}: cold / warm p50 (max); plain \`git worktree add\` + copy | ${result.worktrees.cold_ms} / ${result.worktrees.warm_ms.p50} (${result.worktrees.warm_ms.max}); ${result.worktrees.plain_ms.worktree_add} + ${result.worktrees.plain_ms.copy_cache} = ${result.worktrees.plain_ms.total} |`,
    '',
    ...(result.replicas ? replicaLines(result.replicas) : []),
  ];
  return lines.join('\n');
}

/** `--orchestrators N`: one orchestrator against N, each on a fresh Postgres database. */
function replicaLines(replicas) {
  const { one, many, orchestrators: n } = replicas;
  return [
    `## Orchestrator replicas: 1 → ${n} (Postgres, ${replicas.workers} worker × ${replicas.concurrency})`,
    '',
    `| figure | 1 | ${n} | ${n} / 1 |`,
    '| -- | --: | --: | --: |',
    `| rounds/s (${replicas.rounds} echo work-orders round-robin, ${replicas.in_flight} in flight) | ${one.throughput_rps} | ${many.throughput_rps} | ${replicas.throughput_ratio} |`,
    `| submit→Report p50 ms (followed on the next replica) | ${one.latency_p50_ms} | ${many.latency_p50_ms} | ${replicas.latency_p50_ratio} |`,
    `| submit→Report p95 / p99 ms | ${one.latency_p95_ms} / ${one.latency_p99_ms} | ${many.latency_p95_ms} / ${many.latency_p99_ms} | |`,
    '',
  ];
}

function summary(latency) {
  return `${latency.p50_ms} / ${latency.p95_ms} / ${latency.p99_ms}`;
}

module.exports = { toMarkdown };
