import type { ArtifactRef } from '@sc/schemas';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertArtifactKey, assertArtifactName, type ArtifactKey, type ArtifactStore } from './artifact-store';

/** Options of {@link createLocalArtifactStore}. */
export interface LocalArtifactStoreOptions {
  /** `SC_DATA_DIR`; files go to `<dataDir>/artifacts/<round_id>/<attempt>/<name>`. */
  dataDir: string;
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
      await mkdir(dirname(path), { recursive: true });
      // Write then rename: a reader never sees half a file, and a rewrite replaces the old one at once.
      const partial = `${path}.${randomBytes(4).toString('hex')}.partial`;
      await writeFile(partial, bytes);
      await rename(partial, path);
      return { name, uri: pathToFileURL(path).href, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
    },
  };
}
