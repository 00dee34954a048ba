import type { S3Client } from '@aws-sdk/client-s3';
import type { ArtifactRef } from '@sc/schemas';
import { createHash } from 'node:crypto';
import { assertArtifactKey, assertArtifactName, type ArtifactKey, type ArtifactStore } from './artifact-store';

/** Options of {@link createS3ArtifactStore}: `S3_ENDPOINT`, `S3_BUCKET`, `S3_REGION`. */
export interface S3ArtifactStoreOptions {
  /** An S3-compatible endpoint such as `http://minio:9000`. */
  endpoint: string;
  /** The bucket the artifacts go to; it must exist. */
  bucket: string;
  region: string;
  /**
   * Fixed credentials, for embedding and tests. Unset (the worker's case), the AWS SDK's standard chain
   * finds them: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, a profile, a container or instance role.
   */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** The object key of an artifact: the same `<round_id>/<attempt>/<name>` layout as the local store's folders. */
export function s3ArtifactObjectKey(key: ArtifactKey, name: string): string {
  return `${key.roundId}/${key.attempt}/${name}`;
}

/**
 * An {@link ArtifactStore} on S3 or an S3-compatible server (MinIO); the Report points at the objects with
 * `s3://<bucket>/<round_id>/<attempt>/<name>` URIs. The sha256 goes along as object metadata, so a reader can
 * check what it fetched without the Report.
 */
export function createS3ArtifactStore(options: S3ArtifactStoreOptions): ArtifactStore {
  type Sdk = {
    client: S3Client;
    PutObjectCommand: typeof import('@aws-sdk/client-s3').PutObjectCommand;
    GetObjectCommand: typeof import('@aws-sdk/client-s3').GetObjectCommand;
  };
  let sdk: Promise<Sdk> | undefined;
  // Loaded on the first put: `sc run` and workers on the local store never pay for the SDK's start-up.
  const loadSdk = () =>
    (sdk ??= import('@aws-sdk/client-s3').then(({ S3Client, PutObjectCommand, GetObjectCommand }) => ({
      client: createClient(S3Client, options),
      PutObjectCommand,
      GetObjectCommand,
    })));
  return {
    async put(key: ArtifactKey, name: string, data: string | Uint8Array): Promise<ArtifactRef> {
      assertArtifactKey(key);
      assertArtifactName(name);
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const objectKey = s3ArtifactObjectKey(key, name);
      const { client, PutObjectCommand } = await loadSdk();
      // A PUT replaces the whole object at once: a reader sees the old file or the new one, never half.
      // Content-MD5 makes the server refuse a body damaged on the way.
      await client.send(
        new PutObjectCommand({
          Bucket: options.bucket,
          Key: objectKey,
          Body: bytes,
          ContentLength: bytes.length,
          ContentMD5: createHash('md5').update(bytes).digest('base64'),
          Metadata: { sha256 },
        }),
      );
      return { name, uri: `s3://${options.bucket}/${objectKey}`, bytes: bytes.length, sha256 };
    },
    async get(key: ArtifactKey, name: string): Promise<Uint8Array | undefined> {
      assertArtifactKey(key);
      assertArtifactName(name);
      const { client, GetObjectCommand } = await loadSdk();
      try {
        const answer = await client.send(
          new GetObjectCommand({ Bucket: options.bucket, Key: s3ArtifactObjectKey(key, name) }),
        );
        return await answer.Body?.transformToByteArray();
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
        throw error;
      }
    },
  };
}

function createClient(Client: typeof S3Client, options: S3ArtifactStoreOptions): S3Client {
  return new Client({
    endpoint: options.endpoint,
    region: options.region,
    // MinIO and most S3-compatible servers serve buckets as paths, not as subdomains of the endpoint.
    forcePathStyle: true,
    // The SDK's default since 3.729 streams every body with a trailing CRC32 (aws-chunked), which MinIO
    // releases before 2025 and other S3-compatible servers refuse; checksums only where an operation needs one.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}
