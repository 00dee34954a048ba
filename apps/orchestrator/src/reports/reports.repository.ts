import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ReportEntity } from './report.entity';

/** Reading stored Reports; they are written by `RoundsService`, in the transaction that ends an attempt. */
@Injectable()
export class ReportsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The Report of the Round's latest finished attempt. */
  latestOfRound(roundId: string): Promise<ReportEntity | null> {
    return this.dataSource.manager.findOne(ReportEntity, { where: { roundId }, order: { attempt: 'DESC' } });
  }

  findById(id: string): Promise<ReportEntity | null> {
    return this.dataSource.manager.findOneBy(ReportEntity, { id });
  }
}
