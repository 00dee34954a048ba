import type { RoundMessage, RoundStartedMessage } from './queues';
import { canTransition, type RoundState } from './round-state';

/**
 * # The worker ↔ orchestrator protocol
 *
 * How a worker tells the orchestrator what an attempt of a Round does, and what each side may assume. The
 * payloads are typed and schema-checked in `queues.ts`; this module holds the rules between them and the
 * numbers both sides use. Its spec plays the rules against the orchestrator's real services in every order (see
 * `apps/orchestrator/src/rounds/worker-protocol.spec.ts`).
 *
 * ## Channels
 * - `workorders` (orchestrator → workers): one job per attempt, job id `<round id>.<attempt>` (`roundJobId`).
 *   The orchestrator stages it in its outbox in the transaction that queues the Round and a relay adds it; the
 *   relay may add a job twice after a crash (its "sent" mark is written a moment later, in batches), which
 *   BullMQ ignores because the id is the same. A worker holds the job's lock while the attempt
 *   runs; a worker that dies loses the lock, and BullMQ hands the job to another worker (a takeover) with the
 *   same attempt number.
 * - `reports` (workers → orchestrator): {@link RoundMessage}s — `started`, `retrying`, `finished` — in batches
 *   (`round-messages` jobs, at most {@link WorkerProtocol.maxMessagesPerJob} each), retried by BullMQ until the
 *   orchestrator has applied them. Delivery is at least once: every message may arrive twice.
 * - `events` (workers → orchestrator): phase and log events and the attempt's `end` marker, in batches, best
 *   effort (one try). They are the Round's history, never its state.
 * - `cancel-requests` (orchestrator → workers, Redis pub/sub): asks the worker holding an attempt to stop it;
 *   the worker then reports `finished` with status `cancelled`. A request nobody hears changes nothing.
 *
 * ## What the worker guarantees
 * 1. For one attempt it sends `started` before `finished`, and events in the order they happened. `started`
 *    and the first events are held back {@link WorkerProtocol.startedHoldMs}: an attempt that ends sooner sends
 *    `started` and `finished` in one batch, its events riding in `finished.events` when they fit
 *    ({@link WorkerProtocol.maxCarriedEventsChars}, `MaxEventsPerJob`) — one job and one transaction
 *    instead of several for a short Round.
 * 2. When events went on the `events` queue, the attempt's `end` marker follows its last event there, sent
 *    just before `finished`.
 * 3. A worker stopping (SIGTERM) or a model's rate limit ends the attempt with `retrying` (`waiting: true` for
 *    a limit), and the same attempt runs again later; a worker that is killed sends nothing.
 * 4. A worker that could not renew its job's lock for a whole lock duration (cut off from Redis) stops the
 *    attempt and sends nothing more for it, `finished` included: another worker may have taken the job over by
 *    then, and its messages are the attempt's. What was already on its way may still arrive (the orchestrator's rules 2–3).
 *
 * ## What the orchestrator guarantees, and assumes
 * 1. Messages of one Round are applied one after another in the order they were fetched; different Rounds in
 *    parallel. (Per orchestrator replica: replicas apply one Round's messages side by side, which rules 4 and 6
 *    keep right; its events are stored by one replica at a time, the holder of the `events` lease.) A `started` directly followed by the `finished` of the same attempt is applied in one
 *    transaction ({@link isStartOf}).
 * 2. A message is for the attempt the Round is at, or it is stale and dropped ({@link isCurrentAttempt}): a
 *    retry moved the Round on, or a takeover's duplicate arrived late. A move the state machine refuses (a
 *    `finished` after a cancel, a second `finished`) is logged and acknowledged: resending cannot make it legal.
 * 3. Applying a message twice changes nothing: a Report is unique per (Round, attempt), a `started` of a
 *    running Round only names the worker again.
 * 4. A `retrying` or `finished` of a Round the worker's `started` has not reached yet (held back, or on a batch
 *    behind) passes through `running` first, reason `started (implicit)`, so the audit trail stays legal
 *    ({@link needsImplicitStart}).
 * 5. Events wait up to {@link WorkerProtocol.startWaitMs} for their attempt's start to be stored, and an
 *    attempt's end waits up to {@link WorkerProtocol.endMarkerWaitMs} for its `end` marker: the two queues are
 *    consumed independently, and the wait keeps a Round's history in the order things happened. A lost event
 *    or marker only costs these bounds. Events that arrive once the Round ended, or of an attempt it has left,
 *    are dropped: its history closes with its end, where every follower's stream ends.
 * 6. Every state change is a compare-and-set of the Round's (state, attempt) in one transaction with its
 *    transitions; a writer that loses the race (a cancel against a report) rereads and decides again.
 * 7. A Round left `running`, `retrying` or `waiting` whose job is gone from the queue (no worker will ever
 *    report) is ended `error` by the reaper, with a Report saying so, after a grace period.
 */
export const WorkerProtocol = {
  /** Worker: how long `started` and the first events wait to be sent with `finished` (below what a watcher notices). */
  startedHoldMs: 100,
  /** Worker: held events ride in `finished` only while their log text stays this small (one job stays small). */
  maxCarriedEventsChars: 64 * 1024,
  /** Worker: messages in one `round-messages` job (a burst of Rounds ending together). */
  maxMessagesPerJob: 50,
  /** Worker: how often BullMQ retries a `round-messages` job the orchestrator failed to apply, from 1 s doubling. */
  messagesJobAttempts: 10,
  /** Orchestrator: how long an attempt's events wait for its start to be stored. */
  startWaitMs: 10_000,
  /** Orchestrator: how long an attempt's end waits for the worker's `end` marker. */
  endMarkerWaitMs: 2_000,
} as const;

/** Whether `message` is the `started` of the attempt `next` finishes (applied together, rule 1). */
export function isStartOf(
  message: RoundMessage | undefined,
  next: RoundMessage | undefined,
): message is RoundStartedMessage {
  return (
    message?.type === 'started' &&
    next?.type === 'finished' &&
    message.round_id === next.round_id &&
    message.attempt === next.attempt
  );
}

/** Whether a worker's message is about the attempt the Round is at (rule 2); others are stale. */
export function isCurrentAttempt(round: { attempt: number }, message: Pick<RoundMessage, 'attempt'>): boolean {
  return round.attempt === message.attempt;
}

/**
 * Whether applying `message`, whose first move is to `to`, must pass through `running` first (rule 4): the
 * worker's `started` has not been applied, and `running` is where the attempt is.
 */
export function needsImplicitStart(state: RoundState, to: RoundState, messageType: RoundMessage['type']): boolean {
  return messageType !== 'started' && to !== 'running' && state !== 'running' && canTransition(state, 'running');
}
