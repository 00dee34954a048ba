import { Global, Module, type DynamicModule } from '@nestjs/common';
import { createJsonLinesLogger } from '@sc/infrastructure';
import { LoggerModule as PinoLoggerModule } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino from 'pino';
import { pinoHttp } from 'pino-http';
import type { OrchestratorConfig } from '../config/orchestrator.config';

/** Injection token of the root pino logger, for code that takes a pino logger (the plugin registry). */
export const ROOT_LOGGER = Symbol('RootLogger');

/** Injection token of the access log: pino-http's Express middleware, which main.ts puts in front of every route. */
export const ACCESS_LOG = Symbol('AccessLog');

/**
 * pino for Nest and for each request: one JSON object per line on stdout and in `$SC_LOG_DIR/<date>.jsonl`.
 * nestjs-pino writes Nest's own lines; its middleware, which runs every request in an AsyncLocalStorage to give
 * the lines logged meanwhile the request's id, is left off (no routes): the storage's promise hooks cost every
 * promise of the process, ~5 % of the orchestrator's CPU per Round (bench/README.md). The access log line of a
 * request has its id; the lines about what a request did name their work-order and Round.
 */
@Global()
@Module({})
export class LoggerModule {
  static forRoot(config: OrchestratorConfig): DynamicModule {
    const logger = createJsonLinesLogger({ service: 'orchestrator', logDir: config.logDir, level: config.logLevel });
    const accessLog = pinoHttp({
      logger,
      // Probes and event streams would drown the log; errors are logged by the error filter.
      autoLogging: { ignore: (request) => request.url === '/health' || request.url === '/metrics' },
      customLogLevel: (_request, response, error) =>
        error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
      // What an access log needs, not every header: a fifth of the orchestrator's logging cost per request,
      // and no header (a token, a cookie) can reach a log line at all.
      wrapSerializers: false,
      serializers: {
        req: (request: IncomingMessage & { id?: unknown; originalUrl?: string }) => ({
          id: request.id,
          method: request.method,
          url: request.originalUrl ?? request.url,
          remote_address: request.socket?.remoteAddress,
        }),
        res: (response: ServerResponse) => ({ statusCode: response.statusCode }),
        err: pino.stdSerializers.err,
      },
    });
    return {
      module: LoggerModule,
      imports: [PinoLoggerModule.forRoot({ pinoHttp: { logger }, forRoutes: [] })],
      providers: [
        { provide: ROOT_LOGGER, useValue: logger },
        { provide: ACCESS_LOG, useValue: accessLog },
      ],
      exports: [ROOT_LOGGER, ACCESS_LOG],
    };
  }
}
