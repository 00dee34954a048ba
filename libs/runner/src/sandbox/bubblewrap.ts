import type { AgentSandbox } from '@sc/plugin-sdk';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, sep } from 'node:path';

/** What the sandbox hides besides everything being read-only: where other Rounds and the worker's secrets live. */
export interface HiddenRoots {
  /** The worker's data folder (`SC_DATA_DIR`): other Rounds' worktrees, artifacts, the database. */
  dataDir: string;
  /** The worker's `$HOME`. */
  home?: string;
  /** Where Solar Circuit itself is installed: visible read-only (it holds no secret; fixtures and tools live there). */
  install?: string;
  /**
   * Where the host's daemons keep their unix sockets ({@link hostSocketFolders}): a read-only bind does not stop
   * a `connect()`, so each is an empty folder of the sandbox's own.
   */
  sockets?: string[];
  /** Files inside `sockets` the agent needs back, read-only: where `/etc/resolv.conf` points when it points there. */
  keep?: string[];
}

// Where daemons listen on unix sockets, by convention: /run (docker, containerd, podman, the D-Bus system bus,
// snapd, databases, and each user's session — ssh-agent, gpg-agent — under /run/user), its older names under /var
// (often links to it), /var/tmp (world-writable, like /tmp, which is private already), and the folders of
// daemons that keep theirs with their data: LXD (root for whoever reaches it) and MySQL on Red Hat systems.
const socketPlaces = [
  '/run',
  '/var/run',
  '/var/lock',
  '/var/tmp',
  '/var/lib/lxd',
  '/var/snap/lxd/common/lxd',
  '/var/lib/mysql',
];
// Temporary folders by convention: writable in the sandbox, as /tmp is; the other socket folders stay read-only.
const temporary = new Set(['/tmp', '/var/tmp']);
// What name resolution reads; systemd-resolved and resolvconf make /etc/resolv.conf a link into /run.
const nameResolution = ['/etc/resolv.conf', '/etc/hosts', '/etc/nsswitch.conf'];

/**
 * The socket folders of this host ({@link HiddenRoots.sockets}; a link, such as /var/run → /run, counts as where it
 * points) and the name-resolution files inside them ({@link HiddenRoots.keep}).
 */
export function hostSocketFolders(): Required<Pick<HiddenRoots, 'sockets' | 'keep'>> {
  const sockets = [...new Set(socketPlaces.map(realFolder).filter((folder) => folder !== undefined))];
  const keep = nameResolution
    .map(realFile)
    .filter((file) => file !== undefined && sockets.some((folder) => isInside(file, folder))) as string[];
  return { sockets, keep };
}

/**
 * bubblewrap's arguments for one agent: the root filesystem read-only; a fresh `/dev`, `/proc` and `/tmp`;
 * the host's socket folders, the worker's home and data folder hidden (empty) but for what the agent needs back —
 * the name-resolution files, its `writable` and `readable` folders, its `home`, and the folders its commands run
 * from (`PATH` entries, node) — its own PID, IPC and UTS namespaces (and network namespace unless the network is
 * open), and bound to the worker: when the worker dies, bubblewrap and every process in the sandbox die with it.
 */
export function bubblewrapArgs(
  sandbox: AgentSandbox,
  roots: HiddenRoots,
  path: string | undefined,
  cwd: string,
): string[] {
  // Outer folders first: a tmpfs mounted over a folder hides any mounted earlier inside it.
  const hidden = [
    ...new Set([
      '/tmp',
      ...(roots.sockets ?? []),
      roots.dataDir,
      ...(roots.home && roots.home !== '/' ? [roots.home] : []),
    ]),
  ].sort((a, b) => a.length - b.length);
  const isHidden = (folder: string) => hidden.some((root) => isInside(folder, root));
  const args = ['--die-with-parent', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try'];
  if ((sandbox.network ?? 'open') !== 'open') args.push('--unshare-net');
  args.push('--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc');
  // Back into view, read-only: what commands run from, Solar Circuit itself, then what the agent reads. One
  // of them may hold the data folder (`./data` of an installation), which is hidden again after them, and
  // what the agent reads inside the data folder (a cloned repository) is bound after that.
  const readable = [
    ...new Set<string>([...toolFolders(path), ...(roots.install ? [roots.install] : []), ...(sandbox.readable ?? [])]),
  ].filter((folder) => isHidden(folder) && existsSync(folder));
  const [inData, outsideData] = partition(readable, (folder) => isInside(folder, roots.dataDir));
  for (const root of hidden) if (root !== roots.dataDir) args.push('--tmpfs', root);
  for (const file of roots.keep ?? []) args.push('--ro-bind', file, file);
  for (const folder of outsideData) args.push('--ro-bind', folder, folder);
  args.push('--tmpfs', roots.dataDir);
  for (const folder of inData) args.push('--ro-bind', folder, folder);
  for (const folder of [sandbox.home, ...sandbox.writable]) args.push('--bind', folder, folder);
  // The empty folders over the worker's home, data and sockets stay read-only: a write there fails, as elsewhere.
  for (const root of hidden) if (!temporary.has(root)) args.push('--remount-ro', root);
  args.push('--chdir', cwd);
  return args;
}

function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}${sep}`);
}

function realFolder(path: string): string | undefined {
  try {
    const real = realpathSync(path);
    return statSync(real).isDirectory() ? real : undefined;
  } catch {
    return undefined;
  }
}

function realFile(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function partition<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}

/**
 * The folders the agent's commands come from: each `PATH` entry (for `node_modules/.bin`, its `node_modules`,
 * whose links point there) and node's own installation (nvm keeps it in the home folder).
 */
function toolFolders(path: string | undefined): string[] {
  const folders = (path ?? '').split(':').filter((entry) => entry.startsWith('/'));
  const tools = folders.map((folder) => (basename(folder) === '.bin' ? dirname(folder) : folder));
  return [...tools, dirname(dirname(realpathSync(process.execPath)))];
}
