import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The limits of one agent's whole process tree. */
export interface ProcessLimits {
  memoryMb?: number;
  pids?: number;
}

/** The cgroup(s) one agent runs in, made for it and removed after it. */
export interface AgentCgroup {
  /** `command` prefixed so that it enters the cgroups before it starts anything. */
  wrap(command: string[]): string[];
  /** Ends the agent's whole tree when it reaches its process limit (a fork bomb ends the agent, not the worker). */
  watch(onLimit: (what: string) => void): () => void;
  /** Removes the cgroups once the agent's processes are gone. */
  release(): Promise<void>;
}

const root = '/sys/fs/cgroup';
const enterAndExec =
  'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n - 1)); done; exec "$@"';
const parentName = 'solar-circuit';
let created = 0;

/**
 * Memory and process limits through cgroups: v2 where `/sys/fs/cgroup` is the unified hierarchy, else the v1
 * `memory` and `pids` controllers. Each agent gets a cgroup of its own under `solar-circuit/`, entered by a
 * shell that then execs the sandbox, so nothing the agent starts is outside it.
 */
export class CgroupLimits {
  private constructor(
    private readonly version: 1 | 2,
    private readonly controllers: ReadonlySet<'memory' | 'pids'>,
  ) {}

  /** What this machine offers (v2, or v1 controllers that are mounted), or why it offers nothing. */
  static detect(): CgroupLimits | string {
    if (process.platform !== 'linux') return `cgroups exist on Linux only, this is ${process.platform}`;
    if (existsSync(join(root, 'cgroup.controllers'))) {
      const available = readFileSync(join(root, 'cgroup.controllers'), 'utf8').split(/\s+/);
      return new CgroupLimits(2, new Set((['memory', 'pids'] as const).filter((name) => available.includes(name))));
    }
    const mounted = (['memory', 'pids'] as const).filter((name) => existsSync(join(root, name, 'cgroup.procs')));
    return mounted.length > 0
      ? new CgroupLimits(1, new Set(mounted))
      : `no cgroup v2 hierarchy or v1 memory/pids controller is mounted at ${root}`;
  }

  /** Makes the cgroup(s) for `limits`; rejects naming what cannot be enforced here. */
  async create(limits: ProcessLimits): Promise<AgentCgroup> {
    const wanted = (
      [
        ['memory', limits.memoryMb],
        ['pids', limits.pids],
      ] as const
    ).filter(([, value]) => value !== undefined);
    const missing = wanted.find(([controller]) => !this.controllers.has(controller));
    if (missing) throw new Error(`the ${missing[0]} cgroup controller is not available here (cgroup v${this.version})`);
    const name = `agent-${process.pid}-${++created}`;
    const groups =
      this.version === 2
        ? [await this.makeV2(name)]
        : await Promise.all(wanted.map(([controller]) => makeFolder(join(root, controller, parentName), name)));
    const folderOf = (controller: 'memory' | 'pids') =>
      this.version === 2
        ? groups[0]
        : groups[wanted.findIndex(([wantedController]) => wantedController === controller)];
    try {
      if (limits.memoryMb !== undefined) {
        const bytes = String(limits.memoryMb * 1024 * 1024);
        await writeFile(join(folderOf('memory'), this.version === 2 ? 'memory.max' : 'memory.limit_in_bytes'), bytes);
        // Swap counted too where the kernel keeps it apart (v2, or v1 with swap accounting).
        const swap = join(folderOf('memory'), this.version === 2 ? 'memory.swap.max' : 'memory.memsw.limit_in_bytes');
        if (existsSync(swap)) await writeFile(swap, this.version === 2 ? '0' : bytes).catch(() => undefined);
      }
      if (limits.pids !== undefined) await writeFile(join(folderOf('pids'), 'pids.max'), String(limits.pids));
    } catch (error) {
      await removeAll(groups);
      throw new Error(`cannot set the agent's limits: ${(error as Error).message}`, { cause: error });
    }
    const procsFiles = groups.map((group) => join(group, 'cgroup.procs'));
    return {
      // `sh` writes its own pid into each group's cgroup.procs (its first arguments), then becomes the command.
      wrap: (command) => [
        '/bin/sh',
        '-c',
        enterAndExec,
        'sc-cgroup',
        String(procsFiles.length),
        ...procsFiles,
        ...command,
      ],
      watch: (onLimit) =>
        limits.pids === undefined ? () => undefined : watchPids(folderOf('pids'), this.version, onLimit),
      release: () => removeAll(groups),
    };
  }

  private async makeV2(name: string): Promise<string> {
    // A controller must be enabled in every parent's subtree_control for a child to use it.
    const enable = [...this.controllers].map((controller) => `+${controller}`).join(' ');
    await writeFile(join(root, 'cgroup.subtree_control'), enable).catch(() => undefined);
    const parent = join(root, parentName);
    await mkdir(parent, { recursive: true });
    await writeFile(join(parent, 'cgroup.subtree_control'), enable);
    return makeFolder(parent, name);
  }
}

async function makeFolder(parent: string, name: string): Promise<string> {
  const folder = join(parent, name);
  await mkdir(folder, { recursive: true });
  return folder;
}

/** Polls `pids.events`: once a fork was refused at the limit, every process of the group is killed. */
function watchPids(folder: string, version: 1 | 2, onLimit: (what: string) => void): () => void {
  let stopped = false;
  const timer = setInterval(() => {
    void (async () => {
      const events = await readFile(join(folder, 'pids.events'), 'utf8').catch(() => '');
      if (stopped || !/^max [1-9]/m.test(events)) return;
      stopped = true;
      clearInterval(timer);
      onLimit('its process limit (sandbox.pids)');
      await killAll(folder, version);
    })();
  }, 250);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

async function killAll(folder: string, version: 1 | 2): Promise<void> {
  if (version === 2 && existsSync(join(folder, 'cgroup.kill'))) return writeFile(join(folder, 'cgroup.kill'), '1');
  // v1: forks may still be landing; kill until the group is empty.
  for (let round = 0; round < 50; round++) {
    const pids = (await readFile(join(folder, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Removes the groups, waiting a little for their last processes to be reaped. */
async function removeAll(groups: string[]): Promise<void> {
  for (const group of groups) {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        await rmdir(group);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }
}
