import { execFileSync } from 'node:child_process';

/** Running processes whose command line contains `marker` (zombies, already gone, aside). */
export function processesWith(marker: string): string[] {
  return execFileSync('ps', ['-eo', 'stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(marker) && !line.trim().startsWith('Z'));
}
