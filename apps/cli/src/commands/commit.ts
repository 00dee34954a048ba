import { Flags } from '@oclif/core';
import type { RoundPage, RoundSummaryView } from '@sc/schemas';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { BaseCommand } from '../base-command';
import {
  chooseRound,
  describeSharedBranch,
  isOwnHook,
  prepareCommitMsgHook,
  readWorkOrderTrailer,
  workOrderTrailer,
} from '../commit-trailer';
import { FailureError, UsageError } from '../errors';
import { currentBranch, runGit } from '../git';

/** What `sc commit --json` prints. */
export interface CommitResult {
  sha: string;
  branch: string;
  workorder_id: string;
  round_id: string;
  message: string;
}

/** What `sc commit --install-hook --json` prints. */
export interface InstallHookResult {
  hook: string;
}

/** The work-order a commit belongs to, and the Rounds on its branch when they were already listed to find it. */
interface CommitTarget {
  workorderId: string;
  rounds?: RoundPage;
}

// One page: Rounds past the newest 100 of a branch are not chosen (continued branches rarely hold that many).
const roundsPerBranch = 100;

export default class Commit extends BaseCommand<typeof Commit> {
  static override summary = 'git commit with a Work-Order trailer, recorded on the Round over the API.';
  static override description = [
    'The work-order id comes from SC_WORKORDER, else from the current branch (feat/wo-<yyyymmdd>-<slug>-<short id>),',
    'which the orchestrator maps to its newest Round (on a branch several Rounds share, sc commit says so). With',
    "SC_WORKORDER the commit may be on any branch: it is recorded on the work-order's newest Round.",
    'After the commit, its sha, branch and message are sent to POST /rounds/:id/commits,',
    "so the Round's Report lists it. --install-hook writes a prepare-commit-msg hook that adds the trailer to plain git commit.",
  ].join(' ');
  static override examples = [
    '<%= config.bin %> commit -m "Validate the signup form"',
    'SC_WORKORDER=wo-42 <%= config.bin %> commit -a -m "Fix the flaky test"',
    '<%= config.bin %> commit --install-hook',
  ];
  static override flags = {
    message: Flags.string({ char: 'm', summary: 'The commit message.', exclusive: ['install-hook'] }),
    all: Flags.boolean({ char: 'a', summary: 'Stage every modified and deleted file first (git commit -a).' }),
    workorder: Flags.string({ summary: 'The work-order id (default: from the branch).', env: 'SC_WORKORDER' }),
    'install-hook': Flags.boolean({ summary: 'Install the prepare-commit-msg hook in this repository.' }),
    'print-workorder': Flags.boolean({
      summary: 'Print the work-order id of this branch (used by the hook).',
      hidden: true,
    }),
  };

  async run(): Promise<CommitResult | InstallHookResult | { workorder_id: string }> {
    if (this.flags['install-hook']) return this.installHook();
    const branch = await currentBranch();
    if (this.flags['print-workorder']) {
      const { workorderId } = await this.resolveTarget(branch);
      this.log(workorderId);
      return { workorder_id: workorderId };
    }
    if (!this.flags.message)
      throw new UsageError('a commit message is required: sc commit -m MESSAGE (or sc commit --install-hook)');
    return this.commit(branch, this.flags.message);
  }

  private async commit(branch: string, message: string): Promise<CommitResult> {
    const target = await this.resolveTarget(branch);
    const args = ['commit', '--message', message];
    // A message that already names its work-order keeps it, as the hook does (--if-exists doNothing).
    if (!readWorkOrderTrailer(message)) args.push('--trailer', workOrderTrailer(target.workorderId));
    if (this.flags.all) args.push('--all');
    this.log(await runGit(args));
    const sha = await runGit(['rev-parse', 'HEAD']);
    const committed = await runGit(['log', '-1', '--format=%B', sha]);
    const round =
      (target.rounds && chooseRound(target.rounds.items, target.workorderId)) ??
      (await this.findNewestRound(target.workorderId, sha));
    await this.api.addCommit(round.id, { sha, branch, message: committed }).catch((error: Error) => {
      throw new FailureError(
        `committed ${sha.slice(0, 12)} but could not record it on Round ${round.id}: ${error.message}`,
      );
    });
    // On the Round's own branch, say whether others share it; on any other branch, name the Round's.
    const where = target.rounds ? `)${describeSharedBranch(target.rounds, branch)}` : `, Round branch ${round.branch})`;
    this.log(`Recorded ${sha.slice(0, 12)} on Round ${round.id} (work-order ${target.workorderId}${where}`);
    return { sha, branch, workorder_id: target.workorderId, round_id: round.id, message: committed };
  }

  /**
   * SC_WORKORDER wins and needs no API to commit (the Round is looked up afterwards, to record the commit);
   * without it, the branch must belong to a Round, or nothing is committed.
   */
  private async resolveTarget(branch: string): Promise<CommitTarget> {
    const workorderId = this.flags.workorder?.trim();
    if (workorderId) return { workorderId };
    const rounds = await this.api.listRounds({ branch, limit: roundsPerBranch });
    const round = chooseRound(rounds.items);
    if (!round)
      throw new UsageError(
        `branch ${branch} belongs to no Round; check out a work-order branch (feat/wo-<yyyymmdd>-<slug>-<short id>) or set SC_WORKORDER`,
      );
    return { workorderId: round.workorder_id, rounds };
  }

  /**
   * The newest Round of an explicit work-order, whatever branch the commit is on: the Rounds of the work-order's
   * own branch (`GET /workorders/:id`), newest first, page by page (other work-orders may share a branch).
   */
  private async findNewestRound(workorderId: string, sha: string): Promise<RoundSummaryView> {
    const notRecorded = (why: string) =>
      new FailureError(`committed ${sha.slice(0, 12)}, but ${why}; the commit was not recorded`);
    try {
      const { branch } = await this.api.getWorkOrder(workorderId);
      for (let cursor: string | undefined; ;) {
        const page = await this.api.listRounds({ branch, limit: 200, cursor });
        const round = chooseRound(page.items, workorderId);
        if (round) return round;
        if (!page.next_cursor) throw notRecorded(`work-order ${workorderId} has no Round`);
        cursor = page.next_cursor;
      }
    } catch (error) {
      throw error instanceof FailureError
        ? error
        : notRecorded(`could not find the Round of work-order ${workorderId}: ${(error as Error).message}`);
    }
  }

  private async installHook(): Promise<InstallHookResult> {
    const hooksDir = await runGit(['rev-parse', '--git-path', 'hooks']).catch(() => {
      throw new UsageError('not a git repository (or any parent up to the root)');
    });
    const hook = join(isAbsolute(hooksDir) ? hooksDir : join(process.cwd(), hooksDir), 'prepare-commit-msg');
    const existing = await readFile(hook, 'utf8').catch(() => undefined);
    if (existing !== undefined && !isOwnHook(existing)) {
      throw new FailureError(`${hook} exists and was not written by sc; remove it or merge it by hand`);
    }
    await writeFile(
      hook,
      prepareCommitMsgHook([process.execPath, join(this.config.root, 'apps', 'cli', 'bin', 'run.js')]),
    );
    await chmod(hook, 0o755);
    this.log(`Installed ${hook}`);
    return { hook };
  }
}
