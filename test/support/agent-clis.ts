import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

let binDir: string | null | undefined;

/**
 * The folder holding the pinned `claude`, `codex` and `gemini` (installed by scripts/install-agent-clis.js,
 * once per set of versions), or undefined when they could not be installed; the caller skips and says so.
 */
export function agentCliBinDir(): string | undefined {
  if (binDir === undefined) {
    const folder = execFileSync(process.execPath, [join(__dirname, '../../scripts/install-agent-clis.js')], {
      encoding: 'utf8',
    }).trim();
    const bin = join(folder, 'node_modules', '.bin');
    binDir = folder && existsSync(join(bin, 'claude')) ? bin : null;
  }
  return binDir ?? undefined;
}
