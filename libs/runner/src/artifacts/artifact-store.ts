import type { ArtifactRef } from '@sc/schemas';
import { isAbsolute } from 'node:path';
import { InvalidArtifactNameError } from '../errors';

/** Which attempt of which Round an artifact belongs to. */
export interface ArtifactKey {
  roundId: string;
  attempt: number;
}

/**
 * Where a Round's files go: under `SC_DATA_DIR` (local.artifact-store.ts) or in an S3/MinIO bucket
 * (s3.artifact-store.ts).
 */
export interface ArtifactStore {
  /** Stores `data` as `name` of the attempt (replacing an earlier file of that name) and describes it. */
  put(key: ArtifactKey, name: string, data: string | Uint8Array): Promise<ArtifactRef>;
  /** The bytes of artifact `name` of the attempt, or undefined when there is none. */
  get(key: ArtifactKey, name: string): Promise<Uint8Array | undefined>;
}

const maxNameLength = 255;

/**
 * Refuses a name that is not a plain relative path of `/`-separated segments: absolute paths, `..` and `.`
 * segments, backslashes, control characters. Stores call it before touching anything.
 */
export function assertArtifactName(name: string): void {
  const refuse = (reason: string) => {
    throw new InvalidArtifactNameError(name, reason);
  };
  if (typeof name !== 'string' || name.length === 0) refuse('must be a non-empty string');
  if (name.length > maxNameLength) refuse(`must be at most ${maxNameLength} characters`);
  if (isAbsolute(name) || name.startsWith('/')) refuse('must be a relative path');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\\\u0000-\u001f]/.test(name)) refuse('must not contain backslashes or control characters');
  if (name.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    refuse('must not contain empty, "." or ".." segments');
  }
}

/** Refuses a Round id or attempt that could not be a single folder name. */
export function assertArtifactKey(key: ArtifactKey): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(key.roundId) || key.roundId.includes('..')) {
    throw new RangeError(`round id ${JSON.stringify(key.roundId)} cannot name an artifact folder`);
  }
  if (!Number.isInteger(key.attempt) || key.attempt < 1)
    throw new RangeError(`attempt must be an integer >= 1, got ${key.attempt}`);
}
