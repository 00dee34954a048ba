import { Global, Module, type DynamicModule } from '@nestjs/common';
import { createJsonLinesLogger } from '@sc/runner';
import { LoggerModule as PinoLoggerModule } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino from 'pino';
import type { OrchestratorConfig } from '../config/orchestrator.config';

/** Injection token of the root pino logger, for code that takes a pino logger (the plugin registry). */
export const ROOT_LOGGER = Symbol('RootLogger');

/** pino for Nest and for each request: one JSON object per line on stdout and in `$SC_LOG_DIR/<date>.jsonl`. */
@Global()
@Module({})
export class LoggerModule {
  static forRoot(config: OrchestratorConfig): DynamicModule {
    const logger = createJsonLinesLogger({ service: 'orchestrator', logDir: config.logDir, level: config.logLevel });
    return {
      module: LoggerModule,
      imports: [
        PinoLoggerModule.forRoot({
          pinoHttp: {
            // A line logged while handling a request carries the request's id, not the whole request again
            // (the `request completed` line has it once).
            quietReqLogger: true,
            logger,
            // Probes and event streams would drown the log; errors are logged by the error filter.
            autoLogging: { ignore: (request) => request.url === '/health' || request.url === '/metrics' },
            customLogLevel: (_request, response, error) => (error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info'),
            // What an access log needs, not every header: a fifth of the orchestrator's logging cost per request,
            // and no header (a token, a cookie) can reach a log line at all.
            wrapSerializers: false,
            serializers: {
              req: (request: IncomingMessage & { id?: unknown; originalUrl?: string }) => ({ id: request.id, method: request.method, url: request.originalUrl ?? request.url, remote_address: request.socket?.remoteAddress }),
              res: (response: ServerResponse) => ({ statusCode: response.statusCode }),
              err: pino.stdSerializers.err,
            },
          },
        }),
      ],
      providers: [{ provide: ROOT_LOGGER, useValue: logger }],
      exports: [ROOT_LOGGER],
    };
  }
}
