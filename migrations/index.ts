import { CreateWorkOrdersAndRounds1764061200000 } from './1764061200000-CreateWorkOrdersAndRounds';
import { CreateRoundCommits1764064800000 } from './1764064800000-CreateRoundCommits';
import { CreateGitHubTables1764079200000 } from './1764079200000-CreateGitHubTables';
import { AddRoundPullRequest1764082800000 } from './1764082800000-AddRoundPullRequest';
import { AddGitHubCommentEnded1764086400000 } from './1764086400000-AddGitHubCommentEnded';
import { CreateRoundLabels1764090000000 } from './1764090000000-CreateRoundLabels';
import { CreateRoundEvents1764097200000 } from './1764097200000-CreateRoundEvents';
import { AddRoundResumesAt1764100800000 } from './1764100800000-AddRoundResumesAt';

/**
 * Every migration, oldest first. Listed by hand rather than globbed, so the order is reviewed and a stray
 * file never runs; append new ones at the end.
 */
export const migrations = [
  CreateWorkOrdersAndRounds1764061200000,
  CreateRoundCommits1764064800000,
  CreateGitHubTables1764079200000,
  AddRoundPullRequest1764082800000,
  AddGitHubCommentEnded1764086400000,
  CreateRoundLabels1764090000000,
  CreateRoundEvents1764097200000,
  AddRoundResumesAt1764100800000,
];
