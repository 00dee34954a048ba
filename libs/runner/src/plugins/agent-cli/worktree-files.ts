import type { Stats } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * `relative` inside the worktree at `root`, checked component by component: no symbolic link on the way (a
 * repository may commit one that points anywhere, and the worker reads and writes with its own rights, not the
 * sandbox's). Returns the absolute path and what is there now (undefined when nothing is); `what` names the
 * path in the error.
 */
export async function insideWorktree(
  root: string,
  relative: string,
  what: string,
): Promise<{ path: string; stats: Stats | undefined }> {
  let path = root;
  let stats: Stats | undefined;
  const parts = relative.split('/');
  for (const [index, part] of parts.entries()) {
    path = join(path, part);
    stats = await lstat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (stats === undefined) return { path: join(root, ...parts), stats: undefined };
    if (stats.isSymbolicLink())
      throw new Error(`${what}: ${parts.slice(0, index + 1).join('/')} is a symbolic link, which is not followed`);
    if (index < parts.length - 1 && !stats.isDirectory())
      throw new Error(`${what}: ${parts.slice(0, index + 1).join('/')} is not a folder`);
  }
  return { path, stats };
}

/**
 * The bytes of the regular file `relative` in the worktree, or undefined when there is none; refuses a link,
 * a folder, a device or a pipe, and a file larger than `maxBytes`.
 */
export async function readWorktreeFile(
  root: string,
  relative: string,
  maxBytes: number,
  what: string = relative,
): Promise<Buffer | undefined> {
  const { path, stats } = await insideWorktree(root, relative, what);
  if (stats === undefined) return undefined;
  if (!stats.isFile()) throw new Error(`${what}: ${relative} is not a regular file`);
  if (stats.size > maxBytes)
    throw new Error(`${what}: ${relative} is ${stats.size} bytes, more than the ${maxBytes} read`);
  return readFile(path);
}
