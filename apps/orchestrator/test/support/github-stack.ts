import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWorker, type StackProcess } from '../../../../test/support/local-stack';
import { createBareRemote } from '../../../../test/support/test-repository';
import { FakeGitHub } from './fake-github';
import { startOrchestratorStack, type OrchestratorStack } from './orchestrator-stack';

/** An orchestrator talking to the fake GitHub, one real worker, and a bare repository the worker pushes to. */
export interface GitHubStack {
  /** The temp folder of the run (the remote lives in it). */
  root: string;
  /** The bare repository, `repo.url` of the test's work-orders. */
  remote: string;
  github: FakeGitHub;
  sc: OrchestratorStack;
  worker: StackProcess;
  close(): Promise<void>;
}

/** Starts a {@link GitHubStack}; `env` sets the GitHub webhook secret and token and anything else the suite needs. */
export async function startGitHubStack(name: string, env: NodeJS.ProcessEnv): Promise<GitHubStack> {
  const root = mkdtempSync(join(tmpdir(), `sc-${name}-`));
  const remote = createBareRemote(root);
  const github = await FakeGitHub.start();
  const sc = await startOrchestratorStack({ GITHUB_API_URL: github.url, ...env });
  const worker = await startWorker(sc.stack);
  return {
    root,
    remote,
    github,
    sc,
    worker,
    async close() {
      await worker.stop();
      await sc.close();
      await github.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
