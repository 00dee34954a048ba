import { Flags } from '@oclif/core';
import type { RoundPage } from '@sc/schemas';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { BaseCommand } from '../base-command';
import { chooseRound, describeSharedBranch, isOwnHook, prepareCommitMsgHook, readWorkOrderTrailer, workOrderTrailer } from '../commit-trailer';
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
    'which the orchestrator maps to its newest Round (on a branch several Rounds share, sc commit says so).',
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
    'print-workorder': Flags.boolean({ summary: 'Print the work-order id of this branch (used by the hook).', hidden: true }),
  };

  async run(): Promise<CommitResult | InstallHookResult | { workorder_id: string }> {
    if (this.flags['install-hook']) return this.installHook();
    const branch = await currentBranch();
    if (this.flags['print-workorder']) {
      const { workorderId } = await this.resolveTarget(branch);
      this.log(workorderId);
      return { workorder_id: workorderId };
    }
    if (!this.flags.message) throw new UsageError('a commit message is required: sc commit -m MESSAGE (or sc commit --install-hook)');
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
    const rounds = target.rounds ?? (await this.listRoundsOnBranch(branch, target.workorderId));
    const round = chooseRound(rounds.items, target.workorderId);
    if (!round) throw new FailureError(`committed, but no Round of work-order ${target.workorderId} is on branch ${branch}; the commit was not recorded`);
    await this.api.addCommit(round.id, { sha, branch, message: committed }).catch((error: Error) => {
      throw new FailureError(`committed ${sha.slice(0, 12)} but could not record it on Round ${round.id}: ${error.message}`);
    });
    this.log(`Recorded ${sha.slice(0, 12)} on Round ${round.id} (work-order ${target.workorderId})${describeSharedBranch(rounds, branch)}`);
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
    if (!round) throw new UsageError(`branch ${branch} belongs to no Round; check out a work-order branch (feat/wo-<yyyymmdd>-<slug>-<short id>) or set SC_WORKORDER`);
    return { workorderId: round.workorder_id, rounds };
  }

  private listRoundsOnBranch(branch: string, workorderId: string): Promise<RoundPage> {
    return this.api.listRounds({ branch, limit: roundsPerBranch }).catch((error: Error) => {
      throw new FailureError(`committed, but could not find the Round of work-order ${workorderId}: ${error.message}`);
    });
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
    await writeFile(hook, prepareCommitMsgHook([process.execPath, join(this.config.root, 'apps', 'cli', 'bin', 'run.js')]));
    await chmod(hook, 0o755);
    this.log(`Installed ${hook}`);
    return { hook };
  }
}
