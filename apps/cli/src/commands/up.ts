import { Flags } from '@oclif/core';
import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BaseCommand, DefaultApiUrl } from '../base-command';
import { FailureError, UsageError } from '../errors';
import { freePort, isOnPath, isPortFree, parseLogLine, startChild, type StackChild } from '../local-stack';
import { pingRedis } from '../redis-ping';

/** What `sc up --json` prints once the stack has stopped. */
export interface UpResult {
  api_url: string;
  redis_url: string;
  stopped_by: string;
}

export default class Up extends BaseCommand<typeof Up> {
  static override summary = 'Run the stack locally: orchestrator and one worker on SQLite.';
  static override description = [
    'Needs `npm run build` first. Redis comes from REDIS_URL; when none answers, --redis starts a private redis-server',
    '(if installed) on a free port. Prints one line per process when it is ready, and warnings and errors as they come;',
    '--verbose prints every JSON log line. Ctrl-C stops everything.',
  ].join(' ');
  static override examples = [
    '<%= config.bin %> up',
    '<%= config.bin %> up --redis --port 3100',
    '<%= config.bin %> up --verbose',
  ];
  static override flags = {
    port: Flags.integer({ summary: 'Orchestrator port.', env: 'PORT', default: 3000, min: 1, max: 65535 }),
    'redis-url': Flags.string({ summary: 'The Redis to use.', env: 'REDIS_URL', default: 'redis://127.0.0.1:6379' }),
    redis: Flags.boolean({ summary: 'Start a private redis-server when none answers at --redis-url.' }),
    'data-dir': Flags.string({ summary: 'SQLite file and artifacts.', env: 'SC_DATA_DIR', default: './data' }),
    'log-dir': Flags.string({ summary: 'JSON-lines logs.', env: 'SC_LOG_DIR', default: './logs' }),
    verbose: Flags.boolean({
      char: 'v',
      summary: "Print every log line of the processes (JSON), not only warnings and 'ready'.",
    }),
  };

  async run(): Promise<UpResult> {
    const mains = { orchestrator: this.distFile('orchestrator'), worker: this.distFile('worker') };
    for (const main of Object.values(mains)) {
      await access(main).catch(() => {
        throw new UsageError(`${main} is missing; run npm run build first`);
      });
    }
    const { port } = this.flags;
    if (!(await isPortFree(port)))
      throw new FailureError(`port ${port} is in use — another sc up? (--port picks another)`);
    const children: StackChild[] = [];
    try {
      const redisUrl = await this.ensureRedis(children);
      const apiUrl = `http://127.0.0.1:${port}`;
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PORT: String(port),
        REDIS_URL: redisUrl,
        SC_DATA_DIR: resolve(this.flags['data-dir']),
        SC_LOG_DIR: resolve(this.flags['log-dir']),
      };
      const ready = { apiUrl, dataDir: env.SC_DATA_DIR!, logDir: env.SC_LOG_DIR! };
      children.push(
        startChild('orchestrator', process.execPath, [mains.orchestrator], env, (line) =>
          this.childLine('orchestrator', line, ready),
        ),
      );
      children.push(
        startChild('worker', process.execPath, [mains.worker], env, (line) => this.childLine('worker', line, ready)),
      );
      this.log(`Starting orchestrator and worker on Redis ${redisUrl}. Ctrl-C stops them.`);
      const stoppedBy = await this.untilStopped(children);
      return { api_url: apiUrl, redis_url: redisUrl, stopped_by: stoppedBy };
    } finally {
      // Workers first, so that no Round is taken by a worker whose orchestrator is already gone.
      for (const child of [...children].reverse()) await child.stop();
    }
  }

  private distFile(app: 'orchestrator' | 'worker'): string {
    return join(this.config.root, 'dist', 'apps', app, 'src', 'main.js');
  }

  /**
   * A line a process printed: all of them with --verbose; otherwise its "ready" as one human line, warnings and
   * errors as `[name] level: message`, and anything that is not a JSON log line (a failure to start) as it is.
   */
  private childLine(name: string, line: string, stack: { apiUrl: string; dataDir: string; logDir: string }): void {
    const entry = parseLogLine(line);
    if (this.flags.verbose || entry === undefined) return this.log(`[${name}] ${line}`);
    if (entry.msg === 'orchestrator ready') {
      this.log(
        `orchestrator ready: API ${stack.apiUrl} (docs ${stack.apiUrl}/docs), data ${stack.dataDir}, logs ${stack.logDir}`,
      );
      // The next `sc submit` in another terminal looks at the default address unless told otherwise.
      if (stack.apiUrl !== DefaultApiUrl) this.log(`  point sc at it: export SC_API_URL=${stack.apiUrl}`);
    } else if (entry.msg === 'worker ready') {
      this.log(
        `worker ready: ${String(entry.worker)}, ${String(entry.concurrency)} Round(s) at once, agents sandboxed: ${String(entry.sandbox)}`,
      );
    } else if (entry.level >= 40) {
      const err = entry.err as string | { message?: string } | undefined;
      const detail = typeof err === 'string' ? ` (${err})` : err?.message ? ` (${err.message})` : '';
      this.log(`[${name}] ${entry.level >= 50 ? 'error' : 'warning'}: ${entry.msg}${detail}`);
    }
  }

  private async ensureRedis(children: StackChild[]): Promise<string> {
    const url = this.flags['redis-url'];
    const unreachable = await pingRedis(url).then(
      () => undefined,
      (error: Error) => error.message,
    );
    if (!unreachable) return url;
    if (!this.flags.redis)
      throw new FailureError(
        `Redis does not answer at ${url} (${unreachable}); start one, or pass --redis to start a private redis-server`,
      );
    if (!(await isOnPath('redis-server'))) {
      throw new FailureError(
        `Redis does not answer at ${url} and redis-server is not installed (apt install redis-server, brew install redis)`,
      );
    }
    const port = await freePort();
    // A private, throwaway Redis: no snapshot or AOF files left behind in the working directory.
    // Its banner and notices are noise here; --verbose shows them.
    const redis = startChild(
      'redis',
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      process.env,
      (line) => {
        if (this.flags.verbose) this.log(`[redis] ${line}`);
      },
    );
    children.push(redis);
    const privateUrl = `redis://127.0.0.1:${port}`;
    for (const deadline = Date.now() + 10_000; ;) {
      if (
        await pingRedis(privateUrl, 500).then(
          () => true,
          () => false,
        )
      )
        return privateUrl;
      if (Date.now() > deadline || redis.child.exitCode !== null)
        throw new FailureError(`the private redis-server on port ${port} did not start`);
      await new Promise((wake) => setTimeout(wake, 100));
    }
  }

  /** Resolves on Ctrl-C or SIGTERM; a child that exits on its own stops the stack with exit code 1. */
  private untilStopped(children: StackChild[]): Promise<string> {
    return new Promise((resolveStop, rejectStop) => {
      const onSignal = (signal: NodeJS.Signals) => {
        cleanup();
        this.log(`${signal}: stopping`);
        resolveStop(signal);
      };
      const cleanup = () => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      for (const child of children) {
        void child.exited.then((code) => {
          cleanup();
          rejectStop(new FailureError(`${child.name} exited (${code}); stopping the stack`));
        });
      }
    });
  }
}
