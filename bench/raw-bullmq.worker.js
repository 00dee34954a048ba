// @ts-check
// The baseline's consumer, in a process of its own like the real worker: a plain BullMQ Worker doing the
// echo plugin's trivial work (write the params as a small file), at the same concurrency. The bench asks
// over IPC to be told when `until` jobs have completed.
const { Worker } = require('bullmq');
const { mkdir, writeFile } = require('node:fs/promises');
const { join } = require('node:path');
const { redisConnection } = require('./redis-connection');

const [redisUrl, prefix, queueName, concurrency, dataDir] = process.argv.slice(2);
let completed = 0;
let target = Infinity;

const worker = new Worker(
  queueName,
  async (job) => {
    const dir = join(dataDir, String(job.id));
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'params.json'), `${JSON.stringify(job.data.params ?? {}, null, 2)}\n`);
    return { status: 'success' };
  },
  { connection: redisConnection(redisUrl), prefix, concurrency: Number(concurrency) },
);

const notify = () => {
  if (completed < target) return;
  target = Infinity;
  process.send?.({ reached: completed });
};

worker.on('completed', () => {
  completed++;
  notify();
});
process.on('message', (message) => {
  if (message.until !== undefined) {
    target = message.until;
    notify();
  } else if (message.close) {
    void worker.close().then(() => process.exit(0));
  }
});
void worker.waitUntilReady().then(() => process.send?.({ ready: true }));
