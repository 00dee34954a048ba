import {
  formatIssues,
  validateRepositorySetup,
  type CacheEntry,
  type RepositorySetup,
  type StoredWorkOrder,
} from '@sc/schemas';
import { readWorktreeFile } from './worktree-files';

/** Where a repository declares its setup steps and caches. */
export const setupFile = '.sc/setup.yml';
// Far more than any setup file needs; the worker reads it with its own rights.
const maxSetupFileBytes = 64 * 1024;

/** What to run and keep in each new worktree, and where it was declared. */
export interface SetupConfig {
  steps: string[];
  caches: CacheEntry[];
}

/**
 * The setup of a worktree: the work-order's `setup` and `cache`, each in place of the repository's own in
 * `.sc/setup.yml` (read from the worktree, at the Round's base). The file is outside input: a link, a file
 * that is no YAML or breaks the schema throws, naming the file and every failing path.
 */
export async function loadSetupConfig(order: StoredWorkOrder, worktreePath: string): Promise<SetupConfig> {
  const fromRepository =
    order.setup !== undefined && order.cache !== undefined ? {} : await readSetupFile(worktreePath);
  return { steps: order.setup ?? fromRepository.setup ?? [], caches: order.cache ?? fromRepository.cache ?? [] };
}

async function readSetupFile(worktreePath: string): Promise<RepositorySetup> {
  const bytes = await readWorktreeFile(worktreePath, setupFile, maxSetupFileBytes);
  if (bytes === undefined) return {};
  const { parse } = await import('yaml');
  let document: unknown;
  try {
    // Strict: a duplicate key or an anchor cycle is a mistake to point out, not to guess around.
    document = parse(bytes.toString('utf8'), { uniqueKeys: true, maxAliasCount: 100 });
  } catch (error) {
    throw new Error(`${setupFile}: not valid YAML: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  const checked = validateRepositorySetup(document ?? {});
  if (!checked.ok) throw new Error(`${setupFile}: ${formatIssues(checked.issues)}`);
  return checked.value;
}
