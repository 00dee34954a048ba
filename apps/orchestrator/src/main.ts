import 'reflect-metadata';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import { QueueName } from '@sc/schemas';
import type { Queue } from 'bullmq';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import type { RequestHandler } from 'express';
import { AppModule } from './app.module';
import { ACCESS_LOG } from './logging/logger.module';
import { loadOrchestratorConfig } from './config/orchestrator.config';
import { setupOpenApi } from './http/openapi';
import { assertRedisCredentials, startProcess, type Stoppable } from '@sc/infrastructure';

/**
 * Starts the orchestrator. The config is checked before Nest starts, so a bad variable costs one line on
 * stderr and exit code 2, not a stack trace.
 */
async function main(stoppable: Stoppable): Promise<void> {
  const config = loadOrchestratorConfig();
  await assertRedisCredentials(config.redis);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    bodyParser: false,
    rawBody: true,
  });
  const logger = app.get(Logger);
  app.useLogger(logger);
  // rawBody: the GitHub webhook checks its signature on the bytes as sent.
  // 1 MiB is far above any real work-order; a larger body is refused (413) before it is parsed.
  app.useBodyParser('json', { limit: '1mb' });
  app.use(app.get<RequestHandler>(ACCESS_LOG));
  // No ETag: nothing asks for a response only when it changed, and hashing every body cost ~1.5 % of a Round's CPU.
  app.set('etag', false);
  // SIGTERM: stop accepting, let requests and consumers finish, close the database and Redis, then exit 0.
  stoppable.close = () => app.close();
  setupOpenApi(app);
  await app.listen(config.port);
  // Ready means ready for work: until Redis answers, /health says 503 and no line claims readiness.
  await app.get<Queue>(getQueueToken(QueueName.WorkOrders)).waitUntilReady();
  new NestLogger('Orchestrator').log(
    { port: config.port, database: config.database.type, queue_prefix: config.queuePrefix },
    'orchestrator ready',
  );
}

startProcess('orchestrator', main);
