import type { StoredWorkOrder, WorkOrder } from '@sc/schemas';

/**
 * Whether a repeated submit asks for the work-order that is stored. The values the first submit generated
 * (an id, a default branch that names the day) are taken from the stored document, so the same body sent
 * again, even on another day, matches; any other difference does not.
 */
export function isSameWorkOrder(
  stored: StoredWorkOrder,
  input: WorkOrder,
  complete: (input: WorkOrder) => StoredWorkOrder,
): boolean {
  const repeated = complete({ ...input, id: input.id ?? stored.id, branch: input.branch ?? stored.branch });
  return canonicalJson(repeated) === canonicalJson(stored);
}

/** JSON with object keys sorted, so that two documents compare equal whatever order their keys came in. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, child: unknown) =>
    child !== null && typeof child === 'object' && !Array.isArray(child)
      ? Object.fromEntries(
          Object.entries(child as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : child,
  );
}
