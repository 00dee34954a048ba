// @ts-check
// Workers scale by processes: rounds of a 50 ms plugin with 1, 2 and 4 worker processes, against the ideal
// processes × concurrency / 0.05 s. One orchestrator for all three, workers added between the steps, each
// step warmed up by one Round per slot.
const { join } = require('node:path');
const { createApiClient } = require('../api-client');
const { openReportStore } = require('../report-store');
const { createStack } = require('../stack');
const { round } = require('../stats');
const { submitAndDrain } = require('./rounds');

const waitPlugin = join(__dirname, '..', 'fixtures', 'wait.plugin.js');
const waitMs = 50;

function waitOrder(n) {
  return { title: `wait ${n}`, instructions: 'Wait.', plugin: 'wait', phases: ['coding'], params: { wait_ms: waitMs } };
}

/** rounds/s and ratio to the ideal for each count in `processCounts`; `roundsPerSlot` rounds per worker slot. */
async function measureScaleOut({ database, processCounts, concurrency, roundsPerSlot, inFlight }) {
  const stack = await createStack('scale', database, {
    SC_PLUGINS: waitPlugin,
    SC_WORKER_CONCURRENCY: String(concurrency),
  });
  try {
    const orchestrator = await stack.startOrchestrator();
    const api = createApiClient(orchestrator.url, inFlight);
    const reports = await openReportStore(stack);
    const steps = [];
    let workers = 0;
    try {
      for (const processes of processCounts) {
        while (workers < processes) {
          await stack.startWorker();
          workers++;
        }
        const slots = processes * concurrency;
        const rounds = roundsPerSlot * slots;
        // One Round per slot first: a new worker's first Round pays for loading and compiling (validators,
        // plugin code), which is start-up, not the steady state this step measures.
        await submitAndDrain({
          api,
          reports,
          count: slots,
          inFlight: Math.max(inFlight, slots),
          order: waitOrder,
          timeoutMs: 60_000,
        });
        const elapsedMs = await submitAndDrain({
          api,
          reports,
          count: rounds,
          inFlight: Math.max(inFlight, slots),
          order: waitOrder,
          timeoutMs: 600_000,
        });
        const roundsPerS = rounds / (elapsedMs / 1000);
        const ideal = slots / (waitMs / 1000);
        steps.push({
          processes,
          concurrency,
          rounds,
          rounds_per_s: round(roundsPerS, 1),
          ideal_per_s: ideal,
          ratio: round(roundsPerS / ideal, 3),
        });
      }
    } finally {
      api.close();
      await reports.close();
    }
    return steps;
  } finally {
    await stack.cleanup();
  }
}

module.exports = { measureScaleOut };
