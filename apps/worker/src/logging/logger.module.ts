import { Global, Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule as PinoLoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';

/** Injection token of the worker's root pino logger; Rounds log through children of it. */
export const WORKER_LOGGER = Symbol('WorkerLogger');

/**
 * Nest's own log lines and the Rounds' go through one pino logger (stdout + `$SC_LOG_DIR/<date>.jsonl`),
 * created in main.ts so that even start-up failures are logged the same way.
 */
@Global()
@Module({})
export class LoggerModule {
  static forRoot(logger: Logger): DynamicModule {
    return {
      module: LoggerModule,
      imports: [PinoLoggerModule.forRoot({ pinoHttp: { logger } })],
      providers: [{ provide: WORKER_LOGGER, useValue: logger }],
      exports: [WORKER_LOGGER, PinoLoggerModule],
    };
  }
}
