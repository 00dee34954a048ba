import { createHash } from 'node:crypto';

/** The branch prefix of work-order branches; `sc commit` maps such a branch back to its work-order. */
export const WorkOrderBranchPrefix = 'feat/wo-';

/** Lower-case words of `text` joined by dashes, at most 40 characters (`Fix the login bug!` → `fix-the-login-bug`). */
export function slugify(text: string): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug || 'work';
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Eight characters that tell work-orders apart in a branch name. For a UUID, its last eight hex digits: they
 * are random in v4 and v7, where the first ones are the creation time and so shared by work-orders submitted
 * in the same minute. For a client-chosen id, the first eight hex digits of its SHA-256: such ids may be long
 * or differ only in case, which a slug would lose.
 */
export function shortWorkOrderId(workorderId: string): string {
  if (uuidPattern.test(workorderId)) return workorderId.slice(-8).toLowerCase();
  return createHash('sha256').update(workorderId).digest('hex').slice(0, 8);
}

/**
 * The default branch of a work-order, `feat/wo-<yyyymmdd>-<slug of title>-<short id>`, dated in UTC. The short
 * id ({@link shortWorkOrderId}) keeps two work-orders with the same title on the same day off each other's branch.
 */
export function defaultBranchName(title: string, workorderId: string, date: Date = new Date()): string {
  const day = date.toISOString().slice(0, 10).replace(/-/g, '');
  return `${WorkOrderBranchPrefix}${day}-${slugify(title)}-${shortWorkOrderId(workorderId)}`;
}
