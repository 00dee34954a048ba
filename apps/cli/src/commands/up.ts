import { Flags } from '@oclif/core';
import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BaseCommand } from '../base-command';
import { FailureError, UsageError } from '../errors';
import { freePort, isOnPath, startChild, type StackChild } from '../local-stack';
import { pingRedis } from '../redis-ping';

/** What `sc up --json` prints once the stack has stopped. */
export interface UpResult {
  api_url: string;
  redis_url: string;
  stopped_by: string;
}

export default class Up extends BaseCommand<typeof Up> {
  static override summary = 'Run the stack locally: orchestrator and one worker on SQLite, with their logs prefixed.';
  static override description = [
    'Needs `npm run build` first. Redis comes from REDIS_URL; when none answers, --redis starts a private redis-server',
    '(if installed) on a free port. Ctrl-C stops everything.',
  ].join(' ');
  static override examples = ['<%= config.bin %> up', '<%= config.bin %> up --redis --port 3100'];
  static override flags = {
    port: Flags.integer({ summary: 'Orchestrator port.', env: 'PORT', default: 3000, min: 1, max: 65535 }),
    'redis-url': Flags.string({ summary: 'The Redis to use.', env: 'REDIS_URL', default: 'redis://127.0.0.1:6379' }),
    redis: Flags.boolean({ summary: 'Start a private redis-server when none answers at --redis-url.' }),
    'data-dir': Flags.string({ summary: 'SQLite file and artifacts.', env: 'SC_DATA_DIR', default: './data' }),
    'log-dir': Flags.string({ summary: 'JSON-lines logs.', env: 'SC_LOG_DIR', default: './logs' }),
  };

  async run(): Promise<UpResult> {
    const mains = { orchestrator: this.distFile('orchestrator'), worker: this.distFile('worker') };
    for (const main of Object.values(mains)) {
      await access(main).catch(() => {
        throw new UsageError(`${main} is missing; run npm run build first`);
      });
    }
    const children: StackChild[] = [];
    const log = (line: string) => this.log(line);
    try {
      const redisUrl = await this.ensureRedis(children, log);
      const apiUrl = `http://127.0.0.1:${this.flags.port}`;
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PORT: String(this.flags.port),
        REDIS_URL: redisUrl,
        SC_DATA_DIR: resolve(this.flags['data-dir']),
        SC_LOG_DIR: resolve(this.flags['log-dir']),
      };
      children.push(startChild('orchestrator', process.execPath, [mains.orchestrator], env, log));
      children.push(startChild('worker', process.execPath, [mains.worker], env, log));
      this.log(`Starting: API ${apiUrl} (docs ${apiUrl}/docs), Redis ${redisUrl}, data ${env.SC_DATA_DIR}. Ctrl-C stops it.`);
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

  private async ensureRedis(children: StackChild[], log: (line: string) => void): Promise<string> {
    const url = this.flags['redis-url'];
    const unreachable = await pingRedis(url).then(
      () => undefined,
      (error: Error) => error.message,
    );
    if (!unreachable) return url;
    if (!this.flags.redis) throw new FailureError(`Redis does not answer at ${url} (${unreachable}); start one, or pass --redis to start a private redis-server`);
    if (!(await isOnPath('redis-server'))) {
      throw new FailureError(`Redis does not answer at ${url} and redis-server is not installed (apt install redis-server, brew install redis)`);
    }
    const port = await freePort();
    // A private, throwaway Redis: no snapshot or AOF files left behind in the working directory.
    const redis = startChild('redis', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], process.env, log);
    children.push(redis);
    const privateUrl = `redis://127.0.0.1:${port}`;
    for (const deadline = Date.now() + 10_000; ; ) {
      if (await pingRedis(privateUrl, 500).then(() => true, () => false)) return privateUrl;
      if (Date.now() > deadline || redis.child.exitCode !== null) throw new FailureError(`the private redis-server on port ${port} did not start`);
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
