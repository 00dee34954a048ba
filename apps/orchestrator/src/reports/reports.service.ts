import { Injectable, NotFoundException } from '@nestjs/common';
import type { Report } from '@sc/schemas';
import { RoundViewsService } from '../rounds/round-views.service';
import { ReportsRepository } from './reports.repository';

/** Reports as answered: the stored document with the commits recorded on the Round since merged in. */
@Injectable()
export class ReportsService {
  constructor(
    private readonly repository: ReportsRepository,
    private readonly rounds: RoundViewsService,
  ) {}

  /** `GET /reports/:id`: the latest Report of a Round (or a Report by its own id), with recorded commits merged in. */
  async get(id: string): Promise<Report> {
    const row = (await this.repository.latestOfRound(id)) ?? (await this.repository.findById(id));
    if (!row) throw new NotFoundException(`report ${id} not found`);
    const report = JSON.parse(row.document) as Report;
    const known = new Set(report.commits.map((commit) => commit.sha));
    const recorded = (await this.rounds.commits(row.roundId)).filter((commit) => !known.has(commit.sha));
    return { ...report, commits: [...report.commits, ...recorded] };
  }
}
