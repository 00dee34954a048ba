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

/** The default branch of a work-order: `feat/wo-<yyyymmdd>-<slug of title>`, dated in UTC. */
export function defaultBranchName(title: string, date: Date = new Date()): string {
  const day = date.toISOString().slice(0, 10).replace(/-/g, '');
  return `${WorkOrderBranchPrefix}${day}-${slugify(title)}`;
}
