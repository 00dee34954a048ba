import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import {
  IllegalTransitionError,
  isCurrentAttempt,
  RoundStateByReportStatus,
  type RoundFinishedMessage,
  type RoundRetryingMessage,
  type RoundStartedMessage,
  type WorkerEvent,
} from '@sc/schemas';
import type { EntityManager } from 'typeorm';
import { isUniqueViolation } from '../database/unique-violation';
import { newRecordId } from '../database/record-id';
import { RoundMetrics } from '../metrics/round.metrics';
import type { RoundEntity } from './round.entity';
import { finishReason, now, planStart, type Planned } from './round-change';
import { RoundTransitions } from './round-transitions';
import { RoundsRepository } from './rounds.repository';

/**
 * Workers' messages about their attempts — started, retrying, finished — applied to the Rounds they name: the
 * orchestrator's side of `WorkerProtocol` (rules 2–4; the reports consumer keeps rule 1, `RoundTransitions` rule 6).
 */
@Injectable()
export class RoundMessagesService {
  private readonly logger = new Logger(RoundMessagesService.name);

  constructor(
    private readonly repository: RoundsRepository,
    private readonly transitions: RoundTransitions,
    private readonly metrics: RoundMetrics,
  ) {}

  /** A worker took an attempt (see {@link planStart}). */
  async start(message: RoundStartedMessage): Promise<void> {
    await this.onMessage(message, (round) => planStart(round, message));
  }

  /**
   * The attempt will run again later: running → waiting (a model's rate or usage limit, until `retry_at`, which
   * the Round shows as its `resumes_at`) or retrying (a worker stopped).
   */
  async markRetrying(message: RoundRetryingMessage): Promise<void> {
    const to = message.waiting ? 'waiting' : 'retrying';
    await this.onMessage(message, (round) => {
      if (round.state === to) return undefined;
      return to === 'waiting'
        ? { to, reason: message.reason, changes: { resumesAt: message.retry_at ?? null } }
        : { to, reason: message.reason };
    });
  }

  /**
   * The attempt ended: stores its Report (unique on round and attempt, so a repeated message is acknowledged
   * and changes nothing) and moves the Round to the state of the Report's status. With `started`, the
   * worker's message that came in the same batch (a short Round), the start is applied first, in the same
   * transaction, as {@link start} would. The phase and log events the message carries are stored in the
   * Round's history between its start and its end, where they happened.
   */
  async finish(message: RoundFinishedMessage, started?: RoundStartedMessage): Promise<void> {
    const { report } = message;
    let plugin = 'unknown';
    try {
      const isStored = await this.onMessage(
        message,
        async (round, tx) => {
          plugin = round.plugin;
          const start = started ? [planStart(round, started) ?? []].flat() : [];
          await this.repository.insertReport(tx, {
            id: newRecordId(),
            roundId: round.id,
            attempt: message.attempt,
            status: report.status,
            document: JSON.stringify(report),
            createdAt: now(),
          });
          // The review gate holds a Round whose work passed; a person (or the timeout) ends it.
          const isHeld =
            report.status === 'success' &&
            (await this.repository.findWorkOrder(tx, round.workorderId))?.review?.required === true;
          const to = isHeld ? 'awaiting_review' : RoundStateByReportStatus[report.status];
          return [
            ...start,
            { to, reason: finishReason(report), changes: { reportStatus: report.status, finishedAt: message.at } },
          ];
        },
        message.events?.filter((event) => event.round_id === message.round_id),
      );
      if (isStored) this.metrics.reportStored(report, plugin);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      this.logger.log({ round_id: message.round_id, attempt: message.attempt }, 'duplicate report ignored');
    }
  }

  /**
   * Applies a worker's message to the attempt it names (`WorkerProtocol`, rules 2–4). A message for an unknown
   * Round or another attempt is stale and dropped; a move the state machine refuses is logged and dropped (the
   * message is still acknowledged: redelivering it cannot make it legal). From `queued`, `retrying` or `waiting`,
   * the Round passes through `running` first, with the reason `started (implicit)`, so the audit trail stays legal.
   * Resolves true when the change committed, false when the message was dropped.
   */
  private async onMessage(
    message: RoundStartedMessage | RoundRetryingMessage | RoundFinishedMessage,
    plan: (round: RoundEntity, tx: EntityManager) => Planned | Promise<Planned>,
    eventsBeforeLast?: WorkerEvent[],
  ): Promise<boolean> {
    const log = { round_id: message.round_id, attempt: message.attempt, type: message.type };
    try {
      await this.transitions.change(
        message.round_id,
        (tx, round) => {
          if (!isCurrentAttempt(round, message)) throw new StaleMessageError(`round is at attempt ${round.attempt}`);
          return plan(round, tx);
        },
        { messageType: message.type, eventsBeforeLast },
      );
      return true;
    } catch (error) {
      if (error instanceof NotFoundException || error instanceof StaleMessageError) {
        this.logger.warn({ ...log, reason: error.message }, 'stale round message dropped');
      } else if (error instanceof IllegalTransitionError) {
        this.logger.warn({ ...log, reason: error.message }, 'round message refused');
      } else {
        throw error;
      }
      return false;
    }
  }
}

/** A worker's message about an attempt the Round is no longer at. */
class StaleMessageError extends Error {}
