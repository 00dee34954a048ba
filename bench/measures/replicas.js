// @ts-check
// Orchestrator replicas (`--orchestrators N`): a stack with one orchestrator, then a stack with N, each on a
// fresh database of the same Postgres server, with the same worker processes and concurrency. For each:
// throughput (echo work-orders submitted round-robin across the replicas' API ports, the throughput measure's
// in-flight window, until every Report is stored) and submit → Report one work-order at a time, submitted on
// one replica and followed on the next one's `GET /rounds/:id/events`, then its `GET /reports/:id`: the
// Round's end reaches that replica through the Redis fan-out whenever another replica stored it.
const { performance } = require('node:perf_hooks');
const { createApiClient } = require('../api-client');
const { openReportStore } = require('../report-store');
const { createStack } = require('../stack');
const { latencySummary, round } = require('../stats');
const { echoOrder, submitAndDrain } = require('./rounds');

/**
 * @typedef {ReturnType<typeof createApiClient>} ApiClient
 * @typedef {{ orchestrators: number, throughput_rps: number, latency_p50_ms: number, latency_p95_ms: number, latency_p99_ms: number }} ReplicaFigures
 */

/**
 * Rounds/s and submit → Report latency of one stack of `orchestrators` replicas.
 * @param {{ serverUrl: string, orchestrators: number, workers: number, concurrency: number, rounds: number, warmup: number, inFlight: number, samples: number }} options
 * @returns {Promise<ReplicaFigures>}
 */
async function measureReplicaStack({
  serverUrl,
  orchestrators,
  workers,
  concurrency,
  rounds,
  warmup,
  inFlight,
  samples,
}) {
  const stack = await createStack(
    `replicas-${orchestrators}`,
    { type: 'postgres', serverUrl },
    { SC_WORKER_CONCURRENCY: String(concurrency) },
  );
  /** @type {ApiClient[]} */
  const clients = [];
  try {
    for (let n = 0; n < orchestrators; n++)
      clients.push(createApiClient((await stack.startOrchestrator()).url, inFlight));
    for (let n = 0; n < workers; n++) await stack.startWorker();
    const reports = await openReportStore(stack);
    try {
      let next = 0;
      const roundRobin = { submit: (order) => clients[next++ % clients.length].submit(order) };
      await submitAndDrain({ api: roundRobin, reports, count: warmup, inFlight, order: echoOrder, timeoutMs: 120_000 });
      const elapsedMs = await submitAndDrain({
        api: roundRobin,
        reports,
        count: rounds,
        inFlight,
        order: echoOrder,
        timeoutMs: 600_000,
      });
      const latencies = [];
      for (let n = 0; n < samples; n++) {
        const submitter = clients[n % clients.length];
        const follower = clients[(n + 1) % clients.length];
        const startedAt = performance.now();
        const { round_id: roundId } = await submitter.submit(echoOrder(n));
        await follower.followRound(roundId);
        const report = await follower.get(`/reports/${roundId}`);
        latencies.push(performance.now() - startedAt);
        if (report.status !== 'success') throw new Error(`Round ${roundId} ended ${report.status}: ${report.error}`);
      }
      const latency = latencySummary(latencies);
      return {
        orchestrators,
        throughput_rps: round(rounds / (elapsedMs / 1000), 1),
        latency_p50_ms: latency.p50_ms,
        latency_p95_ms: latency.p95_ms,
        latency_p99_ms: latency.p99_ms,
      };
    } finally {
      await reports.close();
    }
  } finally {
    clients.forEach((client) => client.close());
    await stack.cleanup();
  }
}

/**
 * One orchestrator against `orchestrators`, one stack after the other, and the ratios many / one.
 * @param {{ serverUrl: string, orchestrators: number, workers: number, concurrency: number, rounds: number, warmup: number, inFlight: number, samples: number }} options
 */
async function measureReplicas(options) {
  const one = await measureReplicaStack({ ...options, orchestrators: 1 });
  const many = await measureReplicaStack(options);
  return {
    database: 'postgres',
    orchestrators: options.orchestrators,
    workers: options.workers,
    concurrency: options.concurrency,
    rounds: options.rounds,
    in_flight: options.inFlight,
    latency_samples: options.samples,
    one,
    many,
    throughput_ratio: round(many.throughput_rps / one.throughput_rps, 3),
    latency_p50_ratio: round(many.latency_p50_ms / one.latency_p50_ms, 3),
  };
}

module.exports = { measureReplicas };
