import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { StoredWorkOrder } from '@sc/schemas';
import type { EntityManager, Repository } from 'typeorm';
import { insertRows } from '../database/direct-sql';
import { WorkOrderEntity } from './workorder.entity';

/** Storage of submitted work-orders. */
@Injectable()
export class WorkOrdersRepository {
  constructor(@InjectRepository(WorkOrderEntity) private readonly rows: Repository<WorkOrderEntity>) {}

  /** Inserts in `tx`; a repeated `id` or idempotency key fails on its unique constraint. */
  insert(tx: EntityManager, order: StoredWorkOrder, idempotencyKey: string | undefined, at: string): Promise<void> {
    return insertRows(tx, WorkOrderEntity, [
      { id: order.id, document: JSON.stringify(order), idempotencyKey: idempotencyKey ?? null, createdAt: at },
    ]);
  }

  async findDocument(id: string): Promise<StoredWorkOrder | undefined> {
    const row = await this.rows.findOneBy({ id });
    return row ? (JSON.parse(row.document) as StoredWorkOrder) : undefined;
  }

  /** The id of the work-order submitted with `idempotencyKey`, if any. */
  async findIdByIdempotencyKey(idempotencyKey: string): Promise<string | undefined> {
    const row = await this.rows.findOne({ where: { idempotencyKey }, select: { id: true } });
    return row?.id;
  }
}
