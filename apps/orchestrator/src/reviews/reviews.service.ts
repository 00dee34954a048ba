import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { createLocalArtifactStore, createS3ArtifactStore, type ArtifactStore } from '@sc/runner';
import { ReviewDiffArtifact, type ReviewDecision, type RoundView } from '@sc/schemas';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../config/orchestrator.config';
import { RoundViewsService } from '../rounds/round-views.service';
import { RoundsService } from '../rounds/rounds.service';

/**
 * The review gate's API: the diff a reviewer reads, and the decision. The diff is the artifact the worker stored
 * with the attempt ({@link ReviewDiffArtifact}), read from the same store the workers write to: the S3 bucket
 * when `S3_ENDPOINT` is set (orchestrator and workers on different hosts), else `<SC_DATA_DIR>/artifacts`.
 */
@Injectable()
export class ReviewsService {
  private readonly artifacts: ArtifactStore;

  constructor(
    @Inject(ORCHESTRATOR_CONFIG) config: OrchestratorConfig,
    private readonly rounds: RoundsService,
    private readonly views: RoundViewsService,
  ) {
    this.artifacts = config.s3
      ? createS3ArtifactStore(config.s3)
      : createLocalArtifactStore({ dataDir: config.dataDir });
  }

  /** `GET /rounds/:id/diff`: the unified diff of the Round's last attempt, one section per agent. */
  async diff(id: string): Promise<string> {
    const round = await this.views.get(id);
    const bytes = await this.artifacts.get({ roundId: id, attempt: round.attempt }, ReviewDiffArtifact);
    if (!bytes)
      throw new NotFoundException(
        `round ${id} has no diff for attempt ${round.attempt} (only a Round held for review stores one)`,
      );
    return Buffer.from(bytes).toString('utf8');
  }

  /** `POST /rounds/:id/approve` and `/reject`. */
  decide(id: string, decision: ReviewDecision): Promise<RoundView> {
    return this.rounds.decideReview(id, decision);
  }
}
