import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { assertRedisCredentials, createJsonLinesLogger, startProcess, type Stoppable } from '@sc/infrastructure';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import { loadWorkerConfig } from './config/worker.config';
import { WorkerModule } from './worker.module';
import { WorkOrdersConsumer } from './workorders/workorders.consumer';

/** Starts a worker: config first (a bad value exits 2 before anything else), then the Nest context. */
async function main(stoppable: Stoppable): Promise<void> {
  const config = loadWorkerConfig();
  await assertRedisCredentials(config.redis);
  const logger = createJsonLinesLogger({ service: 'worker', logDir: config.logDir, level: config.logLevel });
  // One line either way: agent work runs confined, unconfined on purpose, or is refused.
  const { mode, reason } = config.sandbox;
  if (mode === 'bubblewrap') logger.info({ sandbox: mode }, reason);
  else
    logger.warn(
      { sandbox: mode },
      mode === 'off'
        ? reason
        : `agent work is refused: ${reason}; SC_AGENT_SANDBOX=off runs agents unconfined (unsafe)`,
    );
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, logger), { bufferLogs: true });
  app.useLogger(app.get(NestPinoLogger));
  // SIGTERM: running Rounds are handed back to the queue (the consumer), connections close, then exit 0.
  stoppable.close = () => app.close();
  const consumer = app.get(WorkOrdersConsumer);
  await consumer.worker.waitUntilReady();
  logger.info(
    { worker: consumer.workerName, concurrency: config.concurrency, queue_prefix: config.queuePrefix, sandbox: mode },
    'worker ready',
  );
}

startProcess('worker', main);
