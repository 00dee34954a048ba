import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { WorkerConfig } from '../config/worker.config';
import { WORKER_LOGGER } from '../logging/logger.module';
import { WorkerMetrics } from './worker.metrics';

/**
 * Serves `GET /metrics` on `0.0.0.0:SC_WORKER_METRICS_PORT` (nothing when the variable is unset), so that
 * Prometheus scrapes every worker container by itself.
 *
 * A plain node:http server, not @willsoto/nestjs-prometheus: that module exposes the registry through a Nest
 * controller, and the worker is an application context without an HTTP adapter, so the controller would never
 * be routed. Pulling in Express for one read-only route would cost more than these few lines.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: Server;

  constructor(
    private readonly config: WorkerConfig,
    private readonly metrics: WorkerMetrics,
    @Inject(WORKER_LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.metricsPort;
    if (port === undefined) return;
    const server = createServer((request, response) => void this.answer(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.info({ port, path: '/metrics' }, 'metrics listening');
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    // A scrape holds its connection open (keep-alive); closeAllConnections lets close() return at once.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://worker').pathname;
    if (path !== '/metrics') return void response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return void response.writeHead(405, { allow: 'GET, HEAD' }).end();
    try {
      const body = await this.metrics.registry.metrics();
      response
        .writeHead(200, { 'content-type': this.metrics.registry.contentType })
        .end(request.method === 'HEAD' ? undefined : body);
    } catch (error) {
      this.logger.error({ err: error }, 'metrics not collected');
      response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics not collected\n');
    }
  }
}
