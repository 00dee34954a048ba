import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/** s3rver's built-in key pair; it refuses an access key id it does not know. */
const defaultCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** Lets s3rver accept another key pair (its account model is the only way: s3rver has no option for it). */
function addKeyPair(credentials: { accessKeyId: string; secretAccessKey: string }): void {
  const account = createRequire(__filename)('s3rver/lib/models/account') as {
    DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void };
  };
  account.DUMMY_ACCOUNT.createKeyPair(credentials.accessKeyId, credentials.secretAccessKey);
}

/** A real S3-compatible server on loopback (s3rver: signatures, buckets, objects on disk), for tests. */
export interface S3TestServer {
  endpoint: string;
  bucket: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The environment a process needs to reach it through the AWS SDK's standard credential chain. */
  env: NodeJS.ProcessEnv;
  /** Fetches an object through the AWS SDK: its bytes and user metadata. */
  getObject(key: string): Promise<{ bytes: Buffer; metadata: Record<string, string> }>;
  close(): Promise<void>;
}

/**
 * Starts s3rver on a free port of `address` (loopback unless given) with one empty bucket. `credentials` are accepted too (s3rver's own
 * stay valid), e.g. the ones docker-compose.yml gives MinIO.
 */
export async function startS3Server(
  bucket = 'sc-artifacts',
  credentials = defaultCredentials,
  address = '127.0.0.1',
): Promise<S3TestServer> {
  if (credentials !== defaultCredentials) addKeyPair(credentials);
  const directory = mkdtempSync(join(tmpdir(), 'sc-s3-'));
  const server = new S3rver({
    address,
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const { port } = await server.run();
  const endpoint = `http://${address}:${port}`;
  const region = 'us-east-1';
  const client = new S3Client({ endpoint, region, credentials, forcePathStyle: true });
  return {
    endpoint,
    bucket,
    region,
    credentials,
    env: {
      S3_ENDPOINT: endpoint,
      S3_BUCKET: bucket,
      S3_REGION: region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    },
    async getObject(key) {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const bytes = Buffer.from(await object.Body!.transformToByteArray());
      return { bytes, metadata: object.Metadata ?? {} };
    },
    async close() {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
