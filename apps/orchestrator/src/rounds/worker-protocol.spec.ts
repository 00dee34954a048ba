import {
  canTransition,
  isTerminal,
  RoundStateByReportStatus,
  type ReportStatus,
  type RoundEvent,
  type RoundMessage,
  type RoundState,
  type WorkerEvent,
} from '@sc/schemas';
import * as fc from 'fast-check';
import { pgTestUrl } from '../../../../test/support/postgres';
import {
  createRoundsHarness,
  harnessDatabases,
  testReport,
  type RoundsHarness,
} from '../../test/support/rounds-harness';
import { RoundEventEntity } from './round-event.entity';
import { ReportEntity } from '../reports/report.entity';

/**
 * The worker↔orchestrator protocol (libs/schemas/src/worker-protocol.ts) played against the real `RoundsService`
 * on a real database: fast-check interleaves a worker's messages (started, events, retrying, finished — also
 * stale, duplicated, and from a second worker after a takeover), the API's cancel and retry, and the reaper
 * ending an attempt whose worker was lost, and after every step compares the Round with a model of the rules.
 */

/** What the rules say the Round is. */
interface Model {
  state: RoundState;
  attempt: number;
  worker: string | null;
  /** Attempts whose Report is stored. */
  reported: Set<number>;
  /** The last worker message delivered, for a duplicate delivery. */
  last?: RoundMessage;
  /** The work-order has `review: { required: true }`: a successful attempt waits in `awaiting_review`. */
  isReviewed: boolean;
  /** When the last wait entered would end: the Round shows it while `waiting`, and no time in any other state. */
  resumesAt?: string;
}

/** The Round under test. */
interface Real {
  harness: RoundsHarness;
  id: string;
  workorderId: string;
}

type Command = fc.AsyncCommand<Model, Real>;
const at = () => new Date().toISOString();
const workers = ['w1', 'w2'] as const;
const idle = new Set<RoundState>(['queued', 'retrying', 'waiting']);

/** The model's answer to a worker message, as the protocol's rules 2–4 state it. */
function expected(model: Model, message: RoundMessage): Partial<Model> {
  // Stale, or refused after the end (a Round held for review has ended its attempt too).
  if (message.attempt !== model.attempt || isTerminal(model.state) || model.state === 'awaiting_review') return {};
  switch (message.type) {
    case 'started':
      return { state: 'running', worker: message.worker };
    case 'retrying': {
      const to = message.waiting ? 'waiting' : 'retrying';
      return model.state === to ? {} : { state: to, resumesAt: message.retry_at };
    }
    case 'finished':
      if (model.reported.has(message.attempt)) return {};
      return {
        state:
          model.isReviewed && message.report.status === 'success'
            ? 'awaiting_review'
            : RoundStateByReportStatus[message.report.status],
        reported: new Set([...model.reported, message.attempt]),
      };
  }
}

async function deliver(real: Real, message: RoundMessage): Promise<void> {
  const { messages } = real.harness;
  if (message.type === 'started') return messages.start(message);
  if (message.type === 'retrying') return messages.markRetrying(message);
  return messages.finish(message);
}

/** A worker message about the current attempt, or (stale) the one before it. */
class WorkerMessage implements Command {
  constructor(
    private readonly kind: RoundMessage['type'],
    private readonly options: {
      isStale: boolean;
      worker: (typeof workers)[number];
      waiting: boolean;
      status: ReportStatus;
    },
  ) {}

  check = () => true;

  async run(model: Model, real: Real): Promise<void> {
    const attempt = this.options.isStale ? model.attempt - 1 : model.attempt;
    const base = { round_id: real.id, attempt, at: at() };
    const message: RoundMessage =
      this.kind === 'started'
        ? { ...base, type: 'started', worker: this.options.worker }
        : this.kind === 'retrying'
          ? {
              ...base,
              type: 'retrying',
              reason: 'worker stopped',
              retry_at: new Date(Date.now() + 60_000).toISOString(),
              ...(this.options.waiting ? { waiting: true } : {}),
            }
          : { ...base, type: 'finished', report: testReport(real.id, real.workorderId, attempt, this.options.status) };
    Object.assign(model, expected(model, message), { last: message });
    await deliver(real, message);
    await matches(model, real);
  }

  toString = () => `${this.kind}(${JSON.stringify(this.options)})`;
}

/** The last message delivered again (a batch BullMQ retried): nothing changes. */
class Duplicate implements Command {
  check = (model: Readonly<Model>) => model.last !== undefined;

  async run(model: Model, real: Real): Promise<void> {
    Object.assign(model, expected(model, model.last!));
    await deliver(real, model.last!);
    await matches(model, real);
  }

  toString = () => 'duplicate';
}

/** A short Round: `started` and `finished` in one batch, its events carried by `finished`. */
class ShortAttempt implements Command {
  constructor(private readonly status: ReportStatus) {}

  check = (model: Readonly<Model>) => idle.has(model.state);

  async run(model: Model, real: Real): Promise<void> {
    const started = { type: 'started' as const, round_id: real.id, attempt: model.attempt, worker: 'w1', at: at() };
    const events: WorkerEvent[] = [
      log(real.id, model.attempt, 'carried'),
      { type: 'end', round_id: real.id, attempt: model.attempt, at: at() },
    ];
    const finished = {
      type: 'finished' as const,
      round_id: real.id,
      attempt: model.attempt,
      report: testReport(real.id, real.workorderId, model.attempt, this.status),
      at: at(),
      events,
    };
    Object.assign(model, expected({ ...model, ...expected(model, started) }, finished), {
      worker: 'w1',
      last: finished,
    });
    await real.harness.messages.finish(finished, started);
    await matches(model, real);
  }

  toString = () => `short(${this.status})`;
}

/** Phase and log events of the running attempt, on the `events` queue. */
class Events implements Command {
  check = (model: Readonly<Model>) => model.state === 'running';

  async run(model: Model, real: Real): Promise<void> {
    await real.harness.events.record([
      log(real.id, model.attempt, 'a line'),
      { type: 'phase', round_id: real.id, attempt: model.attempt, phase: 'coding', state: 'started', at: at() },
    ]);
    await matches(model, real);
  }

  toString = () => 'events';
}

/** `POST /rounds/:id/cancel`: now when no worker holds the attempt, else a request to the worker. */
class Cancel implements Command {
  check = () => true;

  async run(model: Model, real: Real): Promise<void> {
    const answer = real.harness.rounds.cancel(real.id);
    if (isTerminal(model.state)) await expect(answer).rejects.toThrow(/illegal transition/);
    else await answer;
    if (idle.has(model.state) || model.state === 'awaiting_review') model.state = 'cancelled';
    await matches(model, real);
  }

  toString = () => 'cancel';
}

/** `POST /rounds/:id/approve` or `/reject` (or the review timeout): ends an `awaiting_review` Round, else 409. */
class Review implements Command {
  constructor(private readonly isApproved: boolean) {}

  check = () => true;

  async run(model: Model, real: Real): Promise<void> {
    const answer = real.harness.rounds.decideReview(
      real.id,
      this.isApproved ? { approved: true } : { approved: false, reason: 'no' },
    );
    if (model.state !== 'awaiting_review') await expect(answer).rejects.toThrow(/not awaiting_review/);
    else {
      await answer;
      model.state = this.isApproved ? 'succeeded' : 'failed';
    }
    await matches(model, real);
  }

  toString = () => (this.isApproved ? 'approve' : 'reject');
}

/** `POST /rounds/:id/retry`: a finished Round gets a new attempt; anything else is refused. */
class Retry implements Command {
  check = () => true;

  async run(model: Model, real: Real): Promise<void> {
    const answer = real.harness.rounds.retry(real.id);
    if (!isTerminal(model.state)) await expect(answer).rejects.toThrow(/illegal transition/);
    else {
      await answer;
      Object.assign(model, { state: 'queued', attempt: model.attempt + 1 });
    }
    await matches(model, real);
  }

  toString = () => 'retry';
}

/** The worker was lost and its job is gone: the reaper ends the attempt `error`, with a Report. */
class WorkerLost implements Command {
  check = () => true;

  async run(model: Model, real: Real): Promise<void> {
    await real.harness.rounds.reap(real.id, model.attempt, 'job gone');
    if (['running', 'retrying', 'waiting'].includes(model.state))
      Object.assign(model, { state: 'error', reported: new Set([...model.reported, model.attempt]) });
    await matches(model, real);
  }

  toString = () => 'worker lost';
}

function log(roundId: string, attempt: number, message: string): WorkerEvent {
  return { type: 'log', round_id: roundId, attempt, level: 'info', message, at: at() };
}

/**
 * The Round is as the model says (its state, attempt and resume time); its audit trail is a legal walk of the
 * state machine from `queued`; there is one Report per reported attempt; and every worker event of its history
 * lies between its attempt's move to `running` and that attempt's end.
 */
async function matches(model: Model, real: Real): Promise<void> {
  const { views, dataSource } = real.harness;
  const view = await views.get(real.id);
  expect({ state: view.state, attempt: view.attempt, resumes_at: view.resumes_at }).toEqual({
    state: model.state,
    attempt: model.attempt,
    resumes_at: model.state === 'waiting' ? model.resumesAt : null,
  });
  if (model.state === 'running') expect(view.worker).toBe(model.worker);
  let previous: RoundState | null = null;
  for (const transition of view.transitions) {
    expect({
      from: transition.from,
      legal: previous === null ? transition.to === 'queued' : canTransition(previous, transition.to),
    }).toEqual({ from: previous, legal: true });
    previous = transition.to;
  }
  const reports = await dataSource.getRepository(ReportEntity).find({ where: { roundId: real.id } });
  expect(reports.map((report) => report.attempt).sort()).toEqual([...model.reported].sort());
  const history = await dataSource
    .getRepository(RoundEventEntity)
    .find({ where: { roundId: real.id }, order: { id: 'ASC' } });
  const running = new Set<number>();
  for (const entry of history) {
    const event = JSON.parse(entry.data) as RoundEvent;
    if (event.type === 'transition' && event.to === 'running') running.add(event.attempt);
    else if (event.type === 'transition' && isTerminal(event.to)) running.delete(event.attempt);
    else if (event.type !== 'transition')
      expect({ event: event.type, attempt: event.attempt, whileRunning: running.has(event.attempt) }).toEqual({
        event: event.type,
        attempt: event.attempt,
        whileRunning: true,
      });
  }
}

const commands = [
  fc
    .record({
      kind: fc.constantFrom('started', 'retrying', 'finished'),
      isStale: fc.boolean(),
      worker: fc.constantFrom(...workers),
      waiting: fc.boolean(),
      status: fc.constantFrom<ReportStatus>('success', 'failure', 'cancelled', 'timeout', 'error'),
    })
    .map(({ kind, ...options }) => new WorkerMessage(kind, options)),
  fc.constant(new Duplicate()),
  fc.constantFrom<ReportStatus>('success', 'failure').map((status) => new ShortAttempt(status)),
  fc.constant(new Events()),
  fc.constant(new Cancel()),
  fc.constant(new Retry()),
  fc.constant(new WorkerLost()),
  fc.boolean().map((isApproved) => new Review(isApproved)),
];

describe.each(harnessDatabases)('the worker protocol against RoundsService on %s', (database) => {
  let harness: RoundsHarness;
  beforeAll(async () => {
    harness = await createRoundsHarness(database);
  });
  afterAll(() => harness?.close());

  it('keeps every Round as the rules say, whatever the order of messages, duplicates, cancels, retries, reviews and lost workers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 30 }), fc.boolean(), async (steps, isReviewed) => {
        const { id, order } = await harness.queued(isReviewed ? { review: { required: true } } : {});
        const model: Model = { state: 'queued', attempt: 1, worker: null, reported: new Set(), isReviewed };
        await fc.asyncModelRun(() => ({ model, real: { harness, id, workorderId: order.id } }), steps);
      }),
      { numRuns: database === 'SQLite' ? 60 : 30 },
    );
  });
});

// Rule 6 on a database where two transactions really overlap: a cancel and a worker's short attempt race on
// each Round. Both read `queued`; the second compare-and-set finds the Round changed, rereads it and decides
// again, so each Round ends exactly one way, with a Report only when the worker's end won.
(pgTestUrl ? describe : describe.skip)('two writers racing on one Round (Postgres)', () => {
  let harness: RoundsHarness;
  beforeAll(async () => {
    harness = await createRoundsHarness('Postgres');
  });
  afterAll(() => harness?.close());

  it('lets one writer win and the other decide again on what it committed', async () => {
    // Both writers of a Round reach their compare-and-set before either makes it (a gate per Round, opened by the
    // second arrival), so the race happens every time rather than when the scheduler allows.
    const gates = new Map<string, { arrivals: number; open: () => void; opened: Promise<void> }>();
    const compareAndSet = harness.repository.updateIfUnchanged.bind(harness.repository);
    const outcomes: boolean[] = [];
    jest.spyOn(harness.repository, 'updateIfUnchanged').mockImplementation(async (tx, round, changes) => {
      let gate = gates.get(round.id);
      if (!gate) {
        let open!: () => void;
        const opened = new Promise<void>((resolve) => (open = resolve));
        gates.set(round.id, (gate = { arrivals: 0, open, opened }));
      }
      if (++gate.arrivals === 2) gate.open();
      if (gate.arrivals <= 2) await Promise.race([gate.opened, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      const changed = await compareAndSet(tx, round, changes);
      outcomes.push(changed);
      return changed;
    });
    const rounds = [];
    for (let i = 0; i < 10; i++) {
      const { id, order } = await harness.queued();
      const started = { type: 'started' as const, round_id: id, attempt: 1, worker: 'w1', at: at() };
      const finished = {
        type: 'finished' as const,
        round_id: id,
        attempt: 1,
        report: testReport(id, order.id, 1),
        at: at(),
      };
      await Promise.allSettled([harness.rounds.cancel(id), harness.messages.finish(finished, started)]);
      rounds.push(id);
    }
    for (const id of rounds) {
      const view = await harness.views.get(id);
      const reports = await harness.dataSource.getRepository(ReportEntity).countBy({ roundId: id });
      expect({ state: view.state, reports, trail: view.transitions.map((t) => t.to) }).toEqual(
        view.state === 'cancelled'
          ? { state: 'cancelled', reports: 0, trail: ['queued', 'cancelled'] }
          : { state: 'succeeded', reports: 1, trail: ['queued', 'running', 'succeeded'] },
      );
    }
    // Every Round: one compare-and-set lost, and its writer, deciding again on the winner's commit, wrote nothing.
    expect(outcomes.filter((changed) => !changed)).toHaveLength(rounds.length);
  });
});
