// @ts-check
// Raw BullMQ on the same Redis: queue.add with the same in-flight count and job options as the
// orchestrator's producer, a Worker process doing the echo plugin's work at the same concurrency.
const { Queue } = require('bullmq');
const { fork } = require('node:child_process');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { deleteKeys, redisConnection } = require('../redis-connection');
const { createStackDir, redisUrl } = require('../stack');
const { latencySummary, round, runPool } = require('../stats');

const queueName = 'raw';
// The orchestrator's producer options (queue/workorders.producer.ts), so both keep the same history in Redis.
const jobOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};
const params = { greeting: 'hello from Solar Circuit' };

/** Jobs/s with `inFlight` adds outstanding, and add→completed latency one job at a time. */
async function measureBaseline({ jobs, warmup, latencySamples, concurrency, inFlight }) {
  const dir = createStackDir('raw');
  const queue = new Queue(queueName, { connection: redisConnection(redisUrl), prefix: dir.queuePrefix });
  const child = fork(
    join(__dirname, '..', 'raw-bullmq.worker.js'),
    [redisUrl, dir.queuePrefix, queueName, String(concurrency), dir.root],
    { stdio: 'inherit' },
  );
  const messages = [];
  const waiters = [];
  child.on('message', (message) => (waiters.length ? waiters.shift()(message) : messages.push(message)));
  const next = () =>
    new Promise((resolveMessage) =>
      messages.length ? resolveMessage(messages.shift()) : waiters.push(resolveMessage),
    );
  let added = 0;
  const add = () => queue.add('run-round', { n: ++added, params }, { ...jobOptions, jobId: `job.${added}` });
  /** Resolves when the worker has completed every job added so far. */
  const drained = () => {
    child.send({ until: added });
    return next();
  };
  try {
    await next();
    await runPool(warmup, inFlight, add);
    await drained();
    const startedAt = performance.now();
    await runPool(jobs, inFlight, add);
    await drained();
    const elapsedMs = performance.now() - startedAt;
    const latencies = [];
    for (let i = 0; i < latencySamples; i++) {
      const sentAt = performance.now();
      await add();
      await drained();
      latencies.push(performance.now() - sentAt);
    }
    return { jobs, concurrency, jobs_per_s: round(jobs / (elapsedMs / 1000), 1), latency: latencySummary(latencies) };
  } finally {
    child.send({ close: true });
    await new Promise((resolveExit) => child.once('exit', resolveExit));
    await queue.close();
    await deleteKeys(redisUrl, dir.queuePrefix);
    dir.cleanup();
  }
}

module.exports = { measureBaseline };
