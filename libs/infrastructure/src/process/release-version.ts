import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// The repository (or image folder) Solar Circuit runs from: libs/infrastructure/{src,dist}/process/ is four
// below it, and its package.json is the release's (the images copy it to /app).
const rootManifest = resolve(__dirname, '..', '..', '..', '..', 'package.json');

let version: string | undefined;

/** The Solar Circuit release this process runs: the root package.json's `version`, `unknown` when unreadable. */
export function releaseVersion(): string {
  if (version !== undefined) return version;
  try {
    const manifest = JSON.parse(readFileSync(rootManifest, 'utf8')) as { version?: unknown };
    version = typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    version = 'unknown';
  }
  return version;
}
