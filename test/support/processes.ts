import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Running processes whose command line contains `marker` (zombies, already gone, aside). */
export function processesWith(marker: string): string[] {
  return execFileSync('ps', ['-eo', 'stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(marker) && !line.trim().startsWith('Z'));
}

/** The ids of the running processes whose command line contains `marker`. */
export function pidsWith(marker: string): number[] {
  return execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\S+)\s(.*)$/.exec(line))
    .filter((match) => match !== null && match[3].includes(marker) && !match[2].startsWith('Z'))
    .map((match) => Number(match![1]));
}

const escapeeTags = ['setsid', 'double', 'ignoring-term'];

/**
 * An agent's shell command that tries to outlive its phase: a process in a session of its own, a double fork
 * and one that ignores SIGTERM, each keeping `marker` in its command line ($0 of its shell, for
 * {@link processesWith}) and writing `ready-<tag>` in the working directory itself once it runs. The agent's own
 * shell ignores SIGTERM too, runs `then` once all three are running, and waits.
 */
export function escapeesCommand(marker: string, then = ''): string {
  const sleeper = (tag: string, before = '') => `sh -c '${before}touch ready-${tag}; sleep 600; true' ${marker}-${tag}`;
  return [
    "trap '' TERM",
    `setsid ${sleeper('setsid')} &`,
    `(${sleeper('double')} &)`,
    `${sleeper('ignoring-term', 'trap "" TERM; ')} &`,
    `until ${escapeeTags.map((tag) => `[ -e ready-${tag} ]`).join(' && ')}; do sleep 0.05; done`,
    then,
    `sh -c 'sleep 600; true' ${marker}-self`,
  ].join('\n');
}

/** Whether every escapee of {@link escapeesCommand} run in `dir` runs (wrote its ready file). */
export function areEscapeesRunning(dir: string): boolean {
  return escapeeTags.every((tag) => existsSync(join(dir, `ready-${tag}`)));
}
