import { ExecStartError, type AgentSandbox } from '@sc/plugin-sdk';
import type { AgentSandboxMode } from '@sc/schemas';
import { accessSync, constants, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { agentEnvironment, parseAgentEnvNames } from './agent-environment';
import { bubblewrapArgs, hostSocketFolders, type HiddenRoots } from './bubblewrap';
import { CgroupLimits, type AgentCgroup } from './cgroup-limits';

/** How this process confines agents: bubblewrap, not at all (`SC_AGENT_SANDBOX=off`), or it cannot. */
export type SandboxMode = AgentSandboxMode;

/** Where a sandbox of its own network reaches the model gateway: its unix socket, and its routes' port. */
export interface GatewayBridge {
  socketPath: string;
  port: number;
}

// Plain JavaScript run by node inside the sandbox; the same path from src/ (tests) and dist/.
const modelBridge = resolve(__dirname, '..', '..', 'assets', 'model-bridge.js');
// The repository (or image folder) Solar Circuit runs from: libs/runner/{src,dist}/sandbox/ is four below it.
const installRoot = resolve(__dirname, '..', '..', '..', '..');

/** A command as `exec` runs it, after the sandbox wrapped it. */
export interface SandboxedCommand {
  file: string;
  args: string[];
  env: Record<string, string | undefined>;
}

/** An agent's command could not be run confined, and the operator did not turn the sandbox off. */
export class SandboxUnavailableError extends Error {
  override readonly name = 'SandboxUnavailableError';
}

/**
 * Runs agents' commands in a sandbox of their own (bubblewrap on Linux, see bubblewrap.ts), with an environment
 * of allowed names only. Decided once per process from `SC_AGENT_SANDBOX` (`off`: unconfined, unsafe — the
 * environment is still filtered) and what the machine allows.
 */
export class SandboxRuntime {
  private cgroups: CgroupLimits | string | undefined;
  private sockets: Pick<HiddenRoots, 'sockets' | 'keep'> | undefined;

  private constructor(
    readonly mode: SandboxMode,
    /** Why agents run unconfined or cannot run, for the line the worker logs at start. */
    readonly reason: string,
    private readonly extraEnvNames: string[],
    private readonly dataDir: string,
    private readonly workerEnv: NodeJS.ProcessEnv,
  ) {}

  /**
   * The runtime of a process whose environment is `env` and data folder `dataDir`. Throws one line naming the
   * variable when `SC_AGENT_SANDBOX` or `SC_AGENT_ENV` is malformed.
   */
  static load(env: NodeJS.ProcessEnv, dataDir: string): SandboxRuntime {
    const extra = parseAgentEnvNames(env.SC_AGENT_ENV);
    const setting = env.SC_AGENT_SANDBOX?.trim() || 'auto';
    if (setting !== 'auto' && setting !== 'off')
      throw new Error(`SC_AGENT_SANDBOX: expected "off" (or unset), got ${JSON.stringify(setting)}`);
    if (setting === 'off')
      return new SandboxRuntime(
        'off',
        'SC_AGENT_SANDBOX=off: agents run unconfined (unsafe)',
        extra,
        resolve(dataDir),
        env,
      );
    const unavailable = probeBubblewrap(env);
    if (unavailable) return new SandboxRuntime('unavailable', unavailable, extra, resolve(dataDir), env);
    return new SandboxRuntime('bubblewrap', 'agents run in bubblewrap sandboxes', extra, resolve(dataDir), env);
  }

  /**
   * The cgroup(s) enforcing `sandbox`'s memory and process limits, or undefined when it sets none. Rejects
   * with why when a limit cannot be enforced here: a limit is never silently dropped.
   */
  async limitsFor(sandbox: AgentSandbox): Promise<AgentCgroup | undefined> {
    if (sandbox.memoryMb === undefined && sandbox.pids === undefined) return undefined;
    this.cgroups ??= CgroupLimits.detect();
    const refuse = (reason: string) =>
      new SandboxUnavailableError(
        `sandbox.memory_mb and sandbox.pids cannot be enforced here (${reason}); run this work-order without them or on a worker with cgroups`,
      );
    if (typeof this.cgroups === 'string') throw refuse(this.cgroups);
    try {
      return await this.cgroups.create({ memoryMb: sandbox.memoryMb, pids: sandbox.pids });
    } catch (error) {
      throw refuse((error as Error).message);
    }
  }

  /**
   * `file args` as it runs confined by `sandbox` in `cwd`, with `env` the plugin's own variables; `gateway` is
   * where a `model-only` sandbox reaches the model gateway.
   */
  wrap(
    file: string,
    args: readonly string[],
    cwd: string,
    env: Record<string, string | undefined>,
    sandbox: AgentSandbox,
    gateway?: GatewayBridge,
  ): SandboxedCommand {
    const childEnv = agentEnvironment(this.workerEnv, this.extraEnvNames, env, sandbox.home);
    if (this.mode === 'off') return { file, args: [...args], env: childEnv };
    if (this.mode === 'unavailable')
      throw new SandboxUnavailableError(
        `no sandbox for agents: ${this.reason}; set SC_AGENT_SANDBOX=off to run them unconfined (unsafe)`,
      );
    this.sockets ??= hostSocketFolders();
    const roots = {
      dataDir: this.dataDir,
      home: this.workerEnv.HOME ?? homedir(),
      install: installRoot,
      ...this.sockets,
    };
    // Looked up here: inside the sandbox a missing command is only bwrap's exit 1.
    const executable = resolveExecutable(file, childEnv.PATH);
    const command = [executable, ...args];
    if (sandbox.network !== 'model-only')
      return {
        file: 'bwrap',
        args: [...bubblewrapArgs(sandbox, roots, childEnv.PATH, cwd), '--', ...command],
        env: childEnv,
      };
    if (!gateway)
      throw new SandboxUnavailableError(
        'sandbox.network "model-only" needs the model gateway, and this host runs none',
      );
    // The bridge runs first in the sandbox's own network, on the gateway's port, and then runs the command.
    const bridged = {
      ...sandbox,
      readable: [...(sandbox.readable ?? []), dirname(modelBridge)],
      writable: [...sandbox.writable, gateway.socketPath],
    };
    const bridge = [process.execPath, modelBridge, gateway.socketPath, String(gateway.port), '--', ...command];
    return {
      file: 'bwrap',
      args: [...bubblewrapArgs(bridged, roots, childEnv.PATH, cwd), '--', ...bridge],
      env: childEnv,
    };
  }
}

/** `file` as found on `path` (an absolute path as it is); throws an {@link ExecStartError} like spawn's. */
function resolveExecutable(file: string, path: string | undefined): string {
  const candidates = file.includes('/')
    ? [file]
    : (path ?? '')
        .split(':')
        .filter(Boolean)
        .map((folder) => join(folder, file));
  let code = 'ENOENT';
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EACCES') code = 'EACCES';
    }
  }
  throw new ExecStartError(file, Object.assign(new Error(`spawn ${file} ${code}`), { code }));
}

/** Why bubblewrap cannot sandbox here, or undefined when it can (a trial run succeeds). */
function probeBubblewrap(env: NodeJS.ProcessEnv): string | undefined {
  if (process.platform !== 'linux') return `bubblewrap runs on Linux only, this is ${process.platform}`;
  const trial = spawnSync(
    'bwrap',
    ['--die-with-parent', '--unshare-pid', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', 'true'],
    { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 10_000 },
  );
  if (trial.error)
    return (trial.error as NodeJS.ErrnoException).code === 'ENOENT'
      ? 'bwrap is not installed (apt install bubblewrap)'
      : `bwrap cannot run: ${trial.error.message}`;
  if (trial.status !== 0)
    return `bwrap cannot make a sandbox here (user namespaces off?): ${trial.stderr.trim().split('\n')[0] || `exit ${trial.status}`}`;
  return undefined;
}
