import type { AgentSandbox } from '@sc/plugin-sdk';
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, sep } from 'node:path';

/** What the sandbox hides besides everything being read-only: where other Rounds and the worker's secrets live. */
export interface HiddenRoots {
  /** The worker's data folder (`SC_DATA_DIR`): other Rounds' worktrees, artifacts, the database. */
  dataDir: string;
  /** The worker's `$HOME`. */
  home?: string;
  /** Where Solar Circuit itself is installed: visible read-only (it holds no secret; fixtures and tools live there). */
  install?: string;
}

/**
 * bubblewrap's arguments for one agent: the root filesystem read-only; a fresh `/dev`, `/proc` and `/tmp`;
 * the worker's home and data folder hidden (empty) but for what the agent needs back — its `writable` and
 * `readable` folders, its `home`, and the folders its commands run from (`PATH` entries, node) — its own PID,
 * IPC and UTS namespaces (and network namespace unless the network is open), and bound to the worker: when the
 * worker dies, bubblewrap and every process in the sandbox die with it.
 */
export function bubblewrapArgs(
  sandbox: AgentSandbox,
  roots: HiddenRoots,
  path: string | undefined,
  cwd: string,
): string[] {
  const inside = (folder: string, root: string) => folder === root || folder.startsWith(`${root}${sep}`);
  // Outer folders first: a tmpfs mounted over a folder hides any mounted earlier inside it.
  const hidden = [...new Set(['/tmp', roots.dataDir, ...(roots.home && roots.home !== '/' ? [roots.home] : [])])].sort(
    (a, b) => a.length - b.length,
  );
  const isHidden = (folder: string) => hidden.some((root) => inside(folder, root));
  const args = ['--die-with-parent', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try'];
  if ((sandbox.network ?? 'open') !== 'open') args.push('--unshare-net');
  args.push('--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc');
  // Back into view, read-only: what commands run from, Solar Circuit itself, then what the agent reads. One
  // of them may hold the data folder (`./data` of an installation), which is hidden again after them, and
  // what the agent reads inside the data folder (a cloned repository) is bound after that.
  const readable = [
    ...new Set<string>([...toolFolders(path), ...(roots.install ? [roots.install] : []), ...(sandbox.readable ?? [])]),
  ].filter((folder) => isHidden(folder) && existsSync(folder));
  const [inData, outsideData] = partition(readable, (folder) => inside(folder, roots.dataDir));
  for (const root of hidden) if (root !== roots.dataDir) args.push('--tmpfs', root);
  for (const folder of outsideData) args.push('--ro-bind', folder, folder);
  args.push('--tmpfs', roots.dataDir);
  for (const folder of inData) args.push('--ro-bind', folder, folder);
  for (const folder of [sandbox.home, ...sandbox.writable]) args.push('--bind', folder, folder);
  // The empty folders over the worker's home and data stay read-only: a write there fails, as elsewhere.
  for (const root of hidden) if (root !== '/tmp') args.push('--remount-ro', root);
  args.push('--chdir', cwd);
  return args;
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
