import type { RoundSummaryView } from '@sc/schemas';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  chooseRound,
  describeSharedBranch,
  HookMarker,
  isOwnHook,
  prepareCommitMsgHook,
  readWorkOrderTrailer,
  workOrderTrailer,
} from './commit-trailer';

const round = (id: string, workorderId: string): RoundSummaryView =>
  ({ id, workorder_id: workorderId, branch: 'feat/wo-20260101-x-0a1b2c3d', state: 'running' }) as RoundSummaryView;

describe('commit-trailer', () => {
  it('writes and reads the Work-Order trailer', () => {
    expect(workOrderTrailer('wo-42')).toBe('Work-Order: wo-42');
    expect(readWorkOrderTrailer('Fix it\n\nSome body.\n\nWork-Order: wo-42\nSigned-off-by: A <a@b>\n')).toBe('wo-42');
    expect(readWorkOrderTrailer('Fix it\n\nno trailer here')).toBeUndefined();
  });

  it('chooses the newest Round of the branch, or the newest of the given work-order', () => {
    const rounds = [round('r3', 'wo-b'), round('r2', 'wo-a'), round('r1', 'wo-a')];
    expect(chooseRound(rounds)?.id).toBe('r3');
    expect(chooseRound(rounds, 'wo-a')?.id).toBe('r2');
    expect(chooseRound(rounds, 'wo-c')).toBeUndefined();
    expect(chooseRound([])).toBeUndefined();
  });

  it('names how many Rounds share the branch when there is more than one', () => {
    const page = (items: RoundSummaryView[], next_cursor: string | null = null) => ({ items, next_cursor });
    expect(describeSharedBranch(page([round('r1', 'wo-a')]), 'feat/x')).toBe('');
    expect(describeSharedBranch(page([round('r2', 'wo-b'), round('r1', 'wo-a')]), 'feat/x')).toBe(
      "; branch feat/x is shared by 2 Rounds (set SC_WORKORDER to record on another work-order's)",
    );
    expect(describeSharedBranch(page([round('r2', 'wo-b'), round('r1', 'wo-a')], 'next'), 'feat/x')).toContain(
      'shared by 2+ Rounds',
    );
  });

  it("recognises its own hook and nobody else's", () => {
    expect(isOwnHook(prepareCommitMsgHook(['/usr/bin/node', '/opt/sc/run.js']))).toBe(true);
    expect(isOwnHook('#!/bin/sh\nexec husky\n')).toBe(false);
    expect(prepareCommitMsgHook(['/usr/bin/node', "/it's here/run.js"])).toContain(
      `'/it'\\''s here/run.js' commit --print-workorder`,
    );
  });

  describe('the prepare-commit-msg hook', () => {
    let dir: string;
    const runHook = (message: string, source = 'message', sc = 'echo wo-7'): string => {
      const fakeSc = join(dir, 'fake-sc');
      writeFileSync(fakeSc, `#!/bin/sh\n${sc}\n`);
      chmodSync(fakeSc, 0o755);
      const hook = join(dir, 'prepare-commit-msg');
      writeFileSync(hook, prepareCommitMsgHook([fakeSc]));
      chmodSync(hook, 0o755);
      const file = join(dir, 'COMMIT_EDITMSG');
      writeFileSync(file, message);
      execFileSync(hook, [file, source], { cwd: dir });
      return readFileSync(file, 'utf8');
    };

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'sc-hook-'));
      execFileSync('git', ['init', '-q'], { cwd: dir });
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('adds the trailer sc names', () => {
      expect(runHook('Fix the login\n')).toBe('Fix the login\n\nWork-Order: wo-7\n');
    });

    it('keeps a trailer that is already there', () => {
      expect(runHook('Fix the login\n\nWork-Order: wo-1\n')).toBe('Fix the login\n\nWork-Order: wo-1\n');
    });

    it('leaves merges and messages alone when sc finds no work-order', () => {
      expect(runHook('Merge branch x\n', 'merge')).toBe('Merge branch x\n');
      expect(runHook('Fix the login\n', 'message', 'exit 2')).toBe('Fix the login\n');
    });

    it('starts with the marker line', () => {
      expect(prepareCommitMsgHook(['sc']).split('\n')[1]).toBe(HookMarker);
    });
  });
});
