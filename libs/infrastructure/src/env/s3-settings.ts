import type { EnvReader } from './env-reader';

/** `S3_ENDPOINT`, `S3_BUCKET`, `S3_REGION`: where artifacts are (workers write them, the orchestrator reads review diffs). */
export interface S3Settings {
  endpoint: string;
  bucket: string;
  region: string;
}

// S3's bucket naming rules (3 to 63 characters), which MinIO enforces too.
const bucketPattern = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const regionPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** `S3_REGION` when unset: what MinIO answers to and the SDK's signing needs some region. */
const defaultS3Region = 'us-east-1';

/** The S3 settings, or none when `S3_ENDPOINT` is unset; a bucket or region without an endpoint is a mistake. */
export function readS3Settings(read: EnvReader): S3Settings | undefined {
  const bucket = read.string('S3_BUCKET');
  const region = read.string('S3_REGION');
  const endpoint = read.url('S3_ENDPOINT', ['http:', 'https:'], 'an http(s)://host[:port] URL');
  if (endpoint === undefined) {
    if (bucket !== undefined) read.fail('S3_ENDPOINT', 'an http(s):// URL when S3_BUCKET is set', '');
    if (region !== undefined) read.fail('S3_ENDPOINT', 'an http(s):// URL when S3_REGION is set', '');
    return undefined;
  }
  if (bucket === undefined || !bucketPattern.test(bucket)) {
    read.fail(
      'S3_BUCKET',
      'a bucket name (3-63 lowercase letters, digits, "." or "-") when S3_ENDPOINT is set',
      bucket ?? '',
    );
  }
  if (region !== undefined && !regionPattern.test(region))
    read.fail('S3_REGION', 'a region name such as us-east-1', region);
  return { endpoint, bucket, region: region ?? defaultS3Region };
}
