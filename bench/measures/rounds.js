// @ts-check
// Work-orders through the real stack: POST /workorders → outbox → BullMQ → worker → reports queue →
// Report stored. "Stored" is read from the database on the bench's own connection (report-store.js).
const { performance } = require('node:perf_hooks');
const { createApiClient } = require('../api-client');
const { openReportStore } = require('../report-store');
const { until } = require('../stack');
const { latencySummary, round, runPool } = require('../stats');

/** The work-order of examples/echo.json: one phase, one small artifact. */
function echoOrder(n) {
  return {
    title: `bench ${n}`,
    instructions: 'Echo these instructions back.',
    plugin: 'echo',
    phases: ['coding'],
    labels: ['bench'],
    params: { greeting: 'hello from Solar Circuit' },
  };
}

/**
 * Submits `count` work-orders (built by `order(n)`) with `inFlight` requests outstanding and resolves with
 * the ms from the first submit until every Report is stored.
 */
async function submitAndDrain({ api, reports, count, inFlight, order, timeoutMs }) {
  const before = await reports.count();
  const startedAt = performance.now();
  await runPool(count, inFlight, (n) => api.submit(order(n)));
  await until(async () => (await reports.count()) >= before + count, `${count} reports`, timeoutMs, 10);
  return performance.now() - startedAt;
}

/** Rounds/s with `inFlight` submits outstanding. */
async function measureThroughput({ stack, orchestrator, rounds, warmup, inFlight }) {
  const api = createApiClient(orchestrator.url, inFlight);
  const reports = await openReportStore(stack);
  try {
    await submitAndDrain({ api, reports, count: warmup, inFlight, order: echoOrder, timeoutMs: 120_000 });
    const elapsedMs = await submitAndDrain({
      api,
      reports,
      count: rounds,
      inFlight,
      order: echoOrder,
      timeoutMs: 600_000,
    });
    return { rounds, in_flight: inFlight, rounds_per_s: round(rounds / (elapsedMs / 1000), 1) };
  } finally {
    api.close();
    await reports.close();
  }
}

/** Submit → Report stored, one work-order at a time (report-store.js says how "stored" is seen). */
async function measureLatency({ stack, orchestrator, samples }) {
  const api = createApiClient(orchestrator.url, 1);
  const reports = await openReportStore(stack);
  try {
    const latencies = [];
    for (let n = 0; n < samples; n++) {
      const startedAt = performance.now();
      const { round_id: roundId } = await api.submit(echoOrder(n));
      await reports.waitFor(roundId, 30_000);
      latencies.push(performance.now() - startedAt);
    }
    return latencySummary(latencies);
  } finally {
    api.close();
    await reports.close();
  }
}

module.exports = { echoOrder, measureLatency, measureThroughput, submitAndDrain };
