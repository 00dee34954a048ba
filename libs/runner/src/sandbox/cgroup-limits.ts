import { constants, existsSync, readFileSync } from 'node:fs';
import { access, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
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

const defaultRoot = '/sys/fs/cgroup';
const enterAndExec =
  'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n - 1)); done; exec "$@"';
// At the hierarchy's root, the agents' cgroups are kept together in this folder.
const parentName = 'solar-circuit';
// Under the worker's own cgroup, each agent's is a child named so; with v2, the worker itself moves to this leaf.
const agentPrefix = 'solar-circuit-agent';
const workerLeaf = 'solar-circuit-worker';
let created = 0;

/** Where cgroups are: the mount and the calling process's own cgroups (`/proc/self/cgroup`). */
export interface CgroupPlaces {
  /** Where the hierarchies are mounted (default `/sys/fs/cgroup`). */
  root?: string;
  /** The text of `/proc/self/cgroup`. */
  selfCgroup?: string;
}

/**
 * Memory and process limits through cgroups: v2 where `/sys/fs/cgroup` is the unified hierarchy, else the v1
 * `memory` and `pids` controllers. Each agent gets a cgroup of its own, entered by a shell that then execs the
 * sandbox, so nothing the agent starts is outside it. The agent's cgroup is a child of the worker's own (so a
 * container's or a service's accounting and limits count the agents too) when the worker may write there, else it
 * goes under `solar-circuit/` at the hierarchy's root.
 */
export class CgroupLimits {
  // The folder each hierarchy's agent cgroups go in ('' for v2's unified one, else the controller), decided once.
  private readonly parents = new Map<string, Promise<{ folder: string; prefix: string }>>();

  private constructor(
    private readonly version: 1 | 2,
    private readonly controllers: ReadonlySet<'memory' | 'pids'>,
    private readonly root: string,
    /** The worker's own cgroup in each hierarchy, keyed as {@link parents}. */
    private readonly own: ReadonlyMap<string, string>,
  ) {}

  /** What this machine offers (v2, or v1 controllers that are mounted), or why it offers nothing. */
  static detect(places: CgroupPlaces = {}): CgroupLimits | string {
    if (process.platform !== 'linux') return `cgroups exist on Linux only, this is ${process.platform}`;
    const root = places.root ?? defaultRoot;
    const own = ownCgroups(places.selfCgroup ?? readSelfCgroup());
    if (existsSync(join(root, 'cgroup.controllers'))) {
      const available = readFileSync(join(root, 'cgroup.controllers'), 'utf8').split(/\s+/);
      const controllers = (['memory', 'pids'] as const).filter((name) => available.includes(name));
      return new CgroupLimits(2, new Set(controllers), root, own);
    }
    const mounted = (['memory', 'pids'] as const).filter((name) => existsSync(join(root, name, 'cgroup.procs')));
    return mounted.length > 0
      ? new CgroupLimits(1, new Set(mounted), root, own)
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
    const name = `${process.pid}-${++created}`;
    const hierarchies = this.version === 2 ? [''] : wanted.map(([controller]) => controller as string);
    const groups = await Promise.all(
      hierarchies.map(async (hierarchy) => {
        const { folder, prefix } = await this.parentIn(hierarchy);
        return makeFolder(folder, `${prefix}-${name}`);
      }),
    );
    const folderOf = (controller: 'memory' | 'pids') =>
      this.version === 2 ? groups[0] : groups[hierarchies.indexOf(controller)];
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

  /** Where the agents' cgroups of one hierarchy go, and what their names start with; decided once. */
  private parentIn(hierarchy: string): Promise<{ folder: string; prefix: string }> {
    let parent = this.parents.get(hierarchy);
    if (!parent) {
      parent = this.findParent(hierarchy);
      this.parents.set(hierarchy, parent);
      // A failure is not kept: the next agent tries again.
      parent.catch(() => this.parents.delete(hierarchy));
    }
    return parent;
  }

  private async findParent(hierarchy: string): Promise<{ folder: string; prefix: string }> {
    const mount = join(this.root, hierarchy);
    const own = this.own.get(hierarchy);
    if (own !== undefined && own !== '/' && (await isWritable(join(mount, own)))) {
      const folder = join(mount, own);
      const usable =
        this.version === 1
          ? true
          : await this.delegate(folder).then(
              () => true,
              () => false,
            );
      if (usable) return { folder, prefix: agentPrefix };
    }
    const folder = join(mount, parentName);
    if (this.version === 2) {
      // A controller must be enabled in every parent's subtree_control for a child to use it.
      await writeFile(join(mount, 'cgroup.subtree_control'), this.enable()).catch(() => undefined);
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, 'cgroup.subtree_control'), this.enable());
    }
    return { folder, prefix: 'agent' };
  }

  /**
   * Lets the worker's own v2 cgroup `own` have children with the controllers. v2 lets a cgroup either hold
   * processes or hand controllers to its children (the root aside), so the worker first moves itself to a leaf of
   * its own cgroup — still inside it, for whoever accounts for it. Rejects when `own` cannot: the controllers are
   * not given to it, or other processes share it.
   */
  private async delegate(own: string): Promise<void> {
    const wanted = [...this.controllers];
    const words = async (file: string) => (await readFile(join(own, file), 'utf8')).split(/\s+/);
    const enabled = await words('cgroup.subtree_control');
    if (wanted.every((controller) => enabled.includes(controller))) return;
    const available = await words('cgroup.controllers');
    if (!wanted.every((controller) => available.includes(controller)))
      throw new Error(`the ${wanted.join(' and ')} controllers are not given to ${own}`);
    await mkdir(join(own, workerLeaf), { recursive: true });
    await writeFile(join(own, workerLeaf, 'cgroup.procs'), String(process.pid));
    await writeFile(join(own, 'cgroup.subtree_control'), this.enable());
  }

  private enable(): string {
    return [...this.controllers].map((controller) => `+${controller}`).join(' ');
  }
}

/**
 * The process's own cgroup in each hierarchy, from the text of `/proc/<pid>/cgroup` (`id:controllers:path` lines):
 * keyed by controller for v1, by '' for the v2 unified hierarchy.
 */
export function ownCgroups(text: string): Map<string, string> {
  const own = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\d+:([^:]*):(\/.*)$/.exec(line.trim());
    if (!match) continue;
    for (const controller of match[1] === '' ? [''] : match[1].split(',')) own.set(controller, match[2]);
  }
  return own;
}

function readSelfCgroup(): string {
  try {
    return readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    // No /proc: no own cgroup known, the agents' go at the root.
    return '';
  }
}

async function isWritable(folder: string): Promise<boolean> {
  return access(folder, constants.W_OK).then(
    () => true,
    () => false,
  );
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
