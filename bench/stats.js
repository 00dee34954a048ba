// @ts-check
const { performance } = require('node:perf_hooks');

/** p-th percentile (nearest rank) of `samples` in ms, rounded to 0.01 ms. */
function percentile(samples, p) {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return round(sorted[rank]);
}

/** p50, p95 and p99 of `samples`. */
function latencySummary(samples) {
  return {
    p50_ms: percentile(samples, 50),
    p95_ms: percentile(samples, 95),
    p99_ms: percentile(samples, 99),
    n: samples.length,
  };
}

function round(value, digits = 2) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Runs `task(i)` for i in 0..count-1 with at most `inFlight` at once; resolves with the elapsed ms. */
async function runPool(count, inFlight, task) {
  const startedAt = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
  return performance.now() - startedAt;
}

/** Times `task` `count` times one after another; resolves with the latencies in ms. */
async function timeSequential(count, task) {
  const samples = [];
  for (let i = 0; i < count; i++) {
    const startedAt = performance.now();
    await task(i);
    samples.push(performance.now() - startedAt);
  }
  return samples;
}

module.exports = { latencySummary, percentile, round, runPool, timeSequential };
