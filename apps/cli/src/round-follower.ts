import type { Report, RoundEvent, RoundTransitionView, RoundView } from '@sc/schemas';
import type { ApiClient } from './api-client';
import { ApiError, ApiUnreachableError } from './errors';

/** Options of {@link followRound}. */
export interface FollowRoundOptions {
  /** Called once per event, transitions included (those already stored when following starts come first). */
  onEvent: (event: RoundEvent) => void;
  /** How often `GET /rounds/:id` is polled while the event stream is up; a safety net for a missed event. */
  safetyPollMs?: number;
  /** How often it is polled when there is no event stream. */
  pollMs?: number;
  /** How long a Round found ended waits for the stream to deliver the rest of its history. */
  drainMs?: number;
  signal?: AbortSignal;
}

/**
 * Follows a Round until it reaches a terminal state and returns its final view. Its events, stored ones first,
 * come from `GET /rounds/:id/events`; the Round itself is polled alongside, slowly while the stream is up and
 * faster when the stream is missing or drops, so that a Round never waits on an event the stream did not carry.
 */
export async function followRound(api: ApiClient, roundId: string, options: FollowRoundOptions): Promise<RoundView> {
  const { isTerminal } = await import('@sc/schemas');
  const seen = new Set<string>();
  const emitTransition = (transition: RoundTransitionView): void => {
    const key = transitionKey(transition);
    if (seen.has(key)) return;
    seen.add(key);
    options.onEvent({ type: 'transition', round_id: roundId, ...transition });
  };
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  let isStreaming = false;
  let hasStreamEnded = false;
  const stream = (async () => {
    try {
      for await (const event of api.streamRoundEvents(roundId, signal)) {
        isStreaming = true;
        if (event.type === 'transition') emitTransition(event);
        else options.onEvent(event);
      }
    } catch (error) {
      // The poll below carries on without the stream; only an unreachable orchestrator is worth stopping for.
      if (error instanceof ApiUnreachableError && !signal.aborted) throw error;
    } finally {
      isStreaming = false;
      hasStreamEnded = true;
    }
  })();
  try {
    for (;;) {
      const round = await api.getRound(roundId);
      if (isTerminal(round.state)) {
        // The stream replays the whole stored history and ends with the Round: let it, so that every phase
        // and log line is shown, in order, before the end, also for a Round that ended before it connected.
        if (!hasStreamEnded) await Promise.race([stream, delay(options.drainMs ?? 10_000, signal)]);
        round.transitions.forEach(emitTransition);
        return round;
      }
      // The polled trail is shown only without a stream: it could run ahead of the stream's log lines.
      if (hasStreamEnded) round.transitions.forEach(emitTransition);
      const pause = delay(isStreaming ? (options.safetyPollMs ?? 2000) : (options.pollMs ?? 500), signal);
      // A stream that ends early (no such endpoint, a dropped connection) cuts the slow wait short once.
      await (hasStreamEnded ? pause : Promise.race([pause, stream]));
      signal.throwIfAborted();
    }
  } finally {
    stop.abort();
    await stream.catch(() => undefined);
  }
}

// The stream and the stored trail describe the same transitions, with timestamps that need not match to the
// millisecond; attempt, from and to identify a transition well enough for each to be shown once.
function transitionKey(transition: Pick<RoundTransitionView, 'attempt' | 'from' | 'to'>): string {
  return `${transition.attempt}|${transition.from ?? ''}|${transition.to}`;
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** How a followed Round ended: its final view and the Report of its last attempt, if it has one. */
export interface RoundOutcome {
  round: RoundView;
  /** Null when the Round ended without running (cancelled while queued). */
  report: Report | null;
}

/** {@link followRound}, then the Report; `sc submit --wait` and `sc rounds watch` end with this. */
export async function followRoundToReport(
  api: ApiClient,
  roundId: string,
  options: FollowRoundOptions,
): Promise<RoundOutcome> {
  const round = await followRound(api, roundId, options);
  const report = await api.getReport(roundId).catch((error: unknown) => {
    if (error instanceof ApiError && error.body.statusCode === 404) return null;
    throw error;
  });
  return { round, report };
}
