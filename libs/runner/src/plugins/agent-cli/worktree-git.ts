import type { PluginContext } from '@sc/plugin-sdk';
import { existsSync, lstatSync } from 'node:fs';
import { lstat, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { probeGit, runGit, type GitOptions, type GitProbe } from './git';

/*
 * The worker's own git in an agent's worktree. The agent may write the worktree's `.git` file and its admin
 * folder `<git dir>/worktrees/<name>/` (a commit needs the index and HEAD there), and the worker runs git there
 * after it, outside the sandbox, with its own privileges and secrets. Were that git to follow what the agent
 * wrote — `.git`, `commondir` or `gitdir` pointing to a repository of the agent's whose config sets
 * `core.fsmonitor`, hooks, `core.hooksPath` or filters; a `config.worktree` with a filter; a nested repository,
 * into which `git add` and `git status` run a `git status` of its own under its config — it would run the
 * agent's commands unconfined. So the links are put back as the worker made them before its git runs there (the
 * worker keeps them in the attempt's folder, which no sandbox sees), that git runs with config that starts
 * nothing, and it never looks into a nested repository. What else the agent may write of the repository's git
 * data (objects, refs, reflogs; see agent-sandbox.ts) is data git reads, never a command it runs; the
 * repository's config, hooks and `info/` stay read-only to it.
 */

/** An agent's worktree (a `Worktree` of worktree.ts): where it is, and whose it is. */
export interface AgentWorktree {
  path: string;
  agent: { name: string };
}

/** What the worker made of a worktree's git links, as kept beside it. */
export interface WorktreeLinks {
  /** The worktree's admin folder, `<git dir>/worktrees/<name>`, absolute. */
  adminDir: string;
  /** The repository's git dir (`--git-common-dir`), absolute. */
  commonDir: string;
  /** The `config.worktree` git gave it (copied from the main worktree's), when it gave one. */
  configWorktree?: string;
}

// Config of every git the worker runs in an agent's worktree: no fsmonitor, no hooks, no recursion into
// submodules — not even the repository's own, which would run on what the agent left. Passed as `-c`, it wins over
// every config file and reaches every git that git starts (in a nested repository too). Paths come unquoted but
// for `"`, `\` and control characters (see unquotePath); no hint about nested repositories on stderr.
const untrustedWorktreeConfig = [
  '-c',
  'core.fsmonitor=false',
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'submodule.recurse=false',
  '-c',
  'core.quotePath=false',
  '-c',
  'advice.addEmbeddedRepo=false',
];

/** Git in an agent's worktree, as {@link runGit}; call {@link restoreWorktreeLinks} first once its agent ended. */
export function runWorktreeGit(
  ctx: Pick<PluginContext, 'exec'>,
  worktree: Pick<AgentWorktree, 'path'>,
  args: readonly string[],
  options?: GitOptions,
): Promise<string> {
  return runGit(ctx, worktree.path, [...untrustedWorktreeConfig, ...args], options);
}

/** Git in an agent's worktree, as {@link probeGit}; call {@link restoreWorktreeLinks} first once its agent ended. */
export function probeWorktreeGit(
  ctx: Pick<PluginContext, 'exec'>,
  worktree: Pick<AgentWorktree, 'path'>,
  args: readonly string[],
): Promise<GitProbe> {
  return probeGit(ctx, worktree.path, [...untrustedWorktreeConfig, ...args]);
}

/**
 * Keeps what the worker made of a worktree's links — its admin folder, and the `config.worktree` git gave it — in
 * the attempt's folder beside it; called as soon as git made the worktree (or the pool handed it over), before any
 * agent ran in it.
 */
export async function recordWorktreeLinks(worktree: AgentWorktree, adminDir: string): Promise<void> {
  const configWorktree = await readFile(join(adminDir, 'config.worktree'), 'utf8').catch(() => undefined);
  const links: WorktreeLinks = { adminDir, commonDir: dirname(dirname(adminDir)), configWorktree };
  await writeFile(recordOf(worktree), JSON.stringify(links));
}

/** What {@link recordWorktreeLinks} kept, or undefined when this attempt made no such worktree. */
export async function readWorktreeLinks(worktree: AgentWorktree): Promise<WorktreeLinks | undefined> {
  const text = await readFile(recordOf(worktree), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  return text === undefined ? undefined : (JSON.parse(text) as WorktreeLinks);
}

/**
 * Puts the worktree's `.git` file, its admin folder's `commondir` and `gitdir` and its `config.worktree` back as
 * the worker made them, whatever the agent left there (a folder, a symlink: removed, never followed). Undefined
 * when this attempt made no such worktree or its folder is gone; throws when its admin folder is gone.
 */
export async function restoreWorktreeLinks(worktree: AgentWorktree): Promise<WorktreeLinks | undefined> {
  const links = await readWorktreeLinks(worktree);
  if (!links || !existsSync(worktree.path)) return undefined;
  const { adminDir } = links;
  if (!existsSync(adminDir)) throw new Error(`the git admin folder of worktree ${worktree.path} is gone (${adminDir})`);
  // What `git worktree add` writes (absolute paths, which every git reads whatever it would write itself).
  await replaceFile(join(worktree.path, '.git'), `gitdir: ${adminDir}\n`);
  await replaceFile(join(adminDir, 'commondir'), '../..\n');
  await replaceFile(join(adminDir, 'gitdir'), `${join(worktree.path, '.git')}\n`);
  if (links.configWorktree === undefined) await rm(join(adminDir, 'config.worktree'), { recursive: true, force: true });
  else await replaceFile(join(adminDir, 'config.worktree'), links.configWorktree);
  return links;
}

/**
 * The repositories nested in the worktree that its index holds as gitlinks: `git add` and `git status` run a
 * `git status` in each, which reads that repository's own config (its filters, its fsmonitor). Worktree-relative
 * paths; the worker's git leaves them out.
 */
export async function nestedRepositories(
  ctx: Pick<PluginContext, 'exec'>,
  worktree: Pick<AgentWorktree, 'path'>,
): Promise<string[]> {
  const gitlinks: string[] = [];
  await runWorktreeGit(ctx, worktree, ['ls-files', '--stage'], {
    onStdout: (line) => {
      if (line.startsWith('160000 ')) gitlinks.push(unquotePath(line.slice(line.indexOf('\t') + 1)));
    },
  });
  return gitlinks.filter((path) => isPresent(join(worktree.path, path, '.git')));
}

/** Pathspecs of everything in the worktree but `nested` (see {@link nestedRepositories}). */
export function allBut(nested: readonly string[]): string[] {
  return ['.', ...nested.map((path) => `:(exclude,literal)${path}`)];
}

function recordOf(worktree: AgentWorktree): string {
  // Beside the worktree and its scratch folder, where no agent's sandbox reaches; an agent's name has no dot.
  return join(dirname(worktree.path), `${worktree.agent.name}.git-links.json`);
}

/**
 * Makes `path` a file holding `content`. Replaced by a rename, which never follows a symlink the agent left and
 * leaves no moment without the file: a `git worktree prune` of another Round that finds no `gitdir` (or no
 * `.git` where it points) deletes the admin folder.
 */
async function replaceFile(path: string, content: string): Promise<void> {
  const current = await lstat(path).catch(() => undefined);
  if (current?.isFile() && (await readFile(path, 'utf8')) === content) return;
  if (current?.isDirectory()) await rm(path, { recursive: true, force: true });
  const next = `${path}.sc-restore`;
  await rm(next, { recursive: true, force: true });
  await writeFile(next, content, { flag: 'wx' });
  await rename(next, path);
}

function isPresent(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

// git's C-style quoting of a path holding `"`, `\` or a control character (with core.quotePath off).
const escapes: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13 };

/** A path as git prints it, unquoted. */
function unquotePath(text: string): string {
  if (!text.startsWith('"') || !text.endsWith('"')) return text;
  const bytes: number[] = [];
  const body = text.slice(1, -1);
  for (let index = 0; index < body.length; index++) {
    if (body[index] !== '\\') {
      const codePoint = body.codePointAt(index)!;
      bytes.push(...Buffer.from(String.fromCodePoint(codePoint)));
      if (codePoint > 0xffff) index++;
      continue;
    }
    const next = body[++index];
    if (/[0-7]/.test(next)) {
      bytes.push(parseInt(body.slice(index, index + 3), 8));
      index += 2;
    } else bytes.push(escapes[next] ?? next.charCodeAt(0));
  }
  return Buffer.from(bytes).toString('utf8');
}
