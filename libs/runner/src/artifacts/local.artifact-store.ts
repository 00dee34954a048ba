import type { ArtifactRef } from '@sc/schemas';
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertArtifactKey, assertArtifactName, type ArtifactKey, type ArtifactStore } from './artifact-store';

/** Options of {@link createLocalArtifactStore}. */
export interface LocalArtifactStoreOptions {
  /** `SC_DATA_DIR`; files go to `<dataDir>/artifacts/<round_id>/<attempt>/<name>`. */
  dataDir: string;
}

// Small files are written synchronously: three system calls of a few microseconds each cost the event loop
// less than three trips through libuv's thread pool, each waiting for the loop to come round again (most
// artifacts are a few kilobytes; bench/README.md). Larger ones do not hold the loop.
const maxSyncBytes = 64 * 1024;

/** Writes `bytes` to `partial`, then renames it to `path`: a reader never sees half a file, and a rewrite replaces the old one at once. */
async function writeThenRename(path: string, partial: string, bytes: Buffer): Promise<void> {
  if (bytes.length <= maxSyncBytes) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(partial, bytes);
    return renameSync(partial, path);
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(partial, bytes);
  await rename(partial, path);
}

// A partial file is named apart from any other writer's (another worker may share the data folder): host, pid
// and a count. Random bytes did the same at the price of a call into OpenSSL per artifact.
const writer = `${hostname()}-${process.pid}`;
let partialCount = 0;

function partialSuffix(): string {
  return `${writer}-${++partialCount}`;
}

/** An {@link ArtifactStore} on the local file system; the Report points at the files with `file://` URIs. */
export function createLocalArtifactStore(options: LocalArtifactStoreOptions): ArtifactStore {
  const root = join(options.dataDir, 'artifacts');
  return {
    async put(key: ArtifactKey, name: string, data: string | Uint8Array): Promise<ArtifactRef> {
      assertArtifactKey(key);
      assertArtifactName(name);
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
      const path = join(root, key.roundId, String(key.attempt), ...name.split('/'));
      await writeThenRename(path, `${path}.${partialSuffix()}.partial`, bytes);
      return {
        name,
        uri: pathToFileURL(path).href,
        bytes: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      };
    },
    async get(key: ArtifactKey, name: string): Promise<Uint8Array | undefined> {
      assertArtifactKey(key);
      assertArtifactName(name);
      return readFile(join(root, key.roundId, String(key.attempt), ...name.split('/'))).catch(
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return undefined;
          throw error;
        },
      );
    },
  };
}
