import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { checkRedisCredentials, createJsonLinesLogger, jsonLineLog, stopOnSignals, type Stoppable } from '@sc/runner';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import { loadWorkerConfig } from './config/worker.config';
import { WorkerModule } from './worker.module';
import { WorkOrdersConsumer } from './workorders/workorders.consumer';

/** Starts a worker: config first (a bad value exits 2 before anything else), then the Nest context. */
async function bootstrap(): Promise<void> {
  const config = loadWorkerConfig();
  // From the start: a signal while Redis does not answer still ends the process, exit 0.
  const stoppable: Stoppable = { close: undefined, log: jsonLineLog('worker') };
  stopOnSignals(stoppable);
  const redisRefusal = await checkRedisCredentials(config.redisUrl);
  if (redisRefusal !== undefined) {
    process.stderr.write(`${redisRefusal}\n`);
    process.exit(2);
  }
  const logger = createJsonLinesLogger({ service: 'worker', logDir: config.logDir, level: config.logLevel });
  // One line either way: agent work runs confined, unconfined on purpose, or is refused.
  const { mode, reason } = config.sandbox;
  if (mode === 'bubblewrap') logger.info({ sandbox: mode }, reason);
  else logger.warn({ sandbox: mode }, mode === 'off' ? reason : `agent work is refused: ${reason}; SC_AGENT_SANDBOX=off runs agents unconfined (unsafe)`);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, logger), { bufferLogs: true });
  app.useLogger(app.get(NestPinoLogger));
  // SIGTERM: running Rounds are handed back to the queue (the consumer), connections close, then exit 0.
  stoppable.close = () => app.close();
  const consumer = app.get(WorkOrdersConsumer);
  await consumer.worker.waitUntilReady();
  logger.info({ worker: consumer.workerName, concurrency: config.concurrency, queue_prefix: config.queuePrefix, sandbox: mode }, 'worker ready');
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`worker failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
