import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import type { Plugin } from '@sc/plugin-sdk';
import { checkPluginParams, selectionIssues, unpricedAgents, type PluginRegistry } from '@sc/runner';
import { defaultBranchName, type StoredWorkOrder, type SubmitWorkOrderResponse, type WorkOrder } from '@sc/schemas';
import type { EntityManager } from 'typeorm';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../config/orchestrator.config';
import { isUniqueViolation } from '../database/unique-violation';
import { ValidationException } from '../http/validation.exception';
import { newRecordId } from '../database/record-id';
import { UnitOfWork } from '../database/unit-of-work';
import { OutboxRelay } from '../queue/outbox.relay';
import type { OutboxJob } from '../queue/outbox.repository';
import { RoundsService } from '../rounds/rounds.service';
import { PLUGIN_REGISTRY } from './plugin-registry.provider';
import { isSameWorkOrder } from './repeated-submit';
import { WorkOrdersRepository } from './workorders.repository';

/** Work-orders: submit (store, create the Round, stage its job, all in one transaction) and read back. */
@Injectable()
export class WorkOrdersService {
  private readonly logger = new Logger(WorkOrdersService.name);

  constructor(
    private readonly repository: WorkOrdersRepository,
    private readonly rounds: RoundsService,
    private readonly unitOfWork: UnitOfWork,
    private readonly relay: OutboxRelay,
    @Inject(PLUGIN_REGISTRY) private readonly plugins: PluginRegistry,
    @Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig,
  ) {}

  /**
   * Stores a validated work-order and its first Round and stages the job, in one transaction; the relay
   * enqueues it after commit. A repeated `id` or idempotency key returns the first answer: the insert fails
   * on the unique constraint (also for concurrent submits) and the stored answer is read back. A repeat
   * with a different body is refused rather than answered with another work-order's Round: 422 for a
   * reused key (as the IETF Idempotency-Key draft says), 409 for a taken `id`.
   */
  async submit(input: WorkOrder, idempotencyKey?: string): Promise<SubmitWorkOrderResponse> {
    const order = this.complete(input);
    const plugin = this.requirePlugin(order.plugin);
    const issues = [
      ...checkPluginParams(plugin, order.params),
      ...unpricedAgents(order, this.config.prices),
      ...selectionIssues(order),
    ];
    if (issues.length) throw new ValidationException('work-order', issues);
    const at = new Date().toISOString();
    let answer: SubmitWorkOrderResponse;
    let staged: OutboxJob;
    try {
      ({ answer, staged } = await this.unitOfWork.run(async (tx) => {
        // After the insert: a repeated submit fails there and gets its first answer, not a refusal of its own branch.
        await this.repository.insert(tx, order, idempotencyKey, at);
        if (!order.continue_branch) await this.assertBranchFree(tx, order);
        const queued = await this.rounds.createQueued(tx, order);
        return {
          answer: { workorder_id: order.id, round_id: queued.round.id, status: 'queued' as const },
          staged: queued.staged,
        };
      }));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const stored = await this.findStoredAnswer(input, idempotencyKey);
      if (!stored) throw error;
      this.logger.log({ workorder_id: stored.workorder_id, round_id: stored.round_id }, 'repeated submit answered');
      return stored;
    }
    // The job first: the log line can wait, the worker should not.
    void this.relay.relayCommitted([staged]);
    this.logger.log(
      { workorder_id: answer.workorder_id, round_id: answer.round_id, plugin: order.plugin },
      'work-order submitted',
    );
    return answer;
  }

  /** `GET /workorders/:id`: the document as stored, defaults filled in. */
  async get(id: string): Promise<StoredWorkOrder> {
    const order = await this.repository.findDocument(id);
    if (!order) throw new NotFoundException(`work-order ${id} not found`);
    return order;
  }

  /** The work-order as it is stored: an id, a plugin and a branch always set. */
  private complete(input: WorkOrder): StoredWorkOrder {
    const id = input.id ?? newRecordId();
    return {
      ...input,
      id,
      plugin: input.plugin ?? 'echo',
      branch: input.branch ?? defaultBranchName(input.title, id),
      phases: input.phases ?? ['coding', 'testing'],
      priority: input.priority ?? 5,
    };
  }

  /**
   * One branch per work-order: a branch that a Round of another work-order is on, finished or not, is refused
   * (its commits, and maybe its pull request, are that work-order's) unless `continue_branch` says to go on
   * from them.
   */
  private async assertBranchFree(tx: EntityManager, order: StoredWorkOrder): Promise<void> {
    const holder = await this.rounds.findOnBranchOfOtherWorkOrder(tx, order.branch, order.id);
    if (!holder) return;
    throw new ConflictException({
      message: `branch ${order.branch} is taken by Round ${holder.id} (work-order ${holder.workorderId}, ${holder.state}); set continue_branch: true to continue it, or choose another branch`,
      details: [{ path: '/branch', message: `is taken by Round ${holder.id} of work-order ${holder.workorderId}` }],
    });
  }

  private requirePlugin(name: string): Plugin {
    const plugin = this.plugins.get(name);
    if (plugin) return plugin;
    const known = this.plugins.names();
    throw new BadRequestException({
      message: this.plugins.unknownPluginMessage(name),
      details: [{ path: '/plugin', message: `must be one of ${known.join(', ')}` }],
    });
  }

  /**
   * The answer of the first submit with this key or id (the key wins: it names the request, the id the
   * document), once the body is known to ask for the same work-order.
   */
  private async findStoredAnswer(
    input: WorkOrder,
    idempotencyKey: string | undefined,
  ): Promise<SubmitWorkOrderResponse | undefined> {
    const keyedId =
      idempotencyKey === undefined ? undefined : await this.repository.findIdByIdempotencyKey(idempotencyKey);
    const workorderId = keyedId ?? input.id;
    if (workorderId === undefined) return undefined;
    const stored = await this.repository.findDocument(workorderId);
    if (!stored) return undefined;
    if (!isSameWorkOrder(stored, input, (order) => this.complete(order))) {
      if (keyedId !== undefined) {
        throw new UnprocessableEntityException(
          `Idempotency-Key ${JSON.stringify(idempotencyKey)} was already used for work-order ${keyedId} with a different body`,
        );
      }
      throw new ConflictException(`work-order ${workorderId} already exists with a different body`);
    }
    const round = await this.rounds.findFirstOfWorkOrder(workorderId);
    return round ? { workorder_id: workorderId, round_id: round.id, status: 'queued' } : undefined;
  }
}
