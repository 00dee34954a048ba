import { createHash } from 'node:crypto';
import { startS3Server, type S3TestServer } from '../../../../test/support/s3-server';
import { InvalidArtifactNameError } from '../errors';
import { createS3ArtifactStore } from './s3.artifact-store';

describe(createS3ArtifactStore.name, () => {
  let s3: S3TestServer;
  const key = { roundId: 'round-1', attempt: 2 };
  const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
  const store = () =>
    createS3ArtifactStore({ endpoint: s3.endpoint, bucket: s3.bucket, region: s3.region, credentials: s3.credentials });

  beforeAll(async () => {
    s3 = await startS3Server();
  });

  afterAll(async () => {
    await s3?.close();
  });

  it('puts an object under <round>/<attempt>/<name> that reads back with the same bytes and sha256', async () => {
    const data = 'hello from the S3 store\n';
    const ref = await store().put(key, 'logs/test.txt', data);
    expect(ref).toEqual({
      name: 'logs/test.txt',
      uri: `s3://${s3.bucket}/round-1/2/logs/test.txt`,
      bytes: Buffer.byteLength(data),
      sha256: sha256(data),
    });
    const object = await s3.getObject('round-1/2/logs/test.txt');
    expect(object.bytes.toString('utf8')).toBe(data);
    expect(sha256(object.bytes)).toBe(ref.sha256);
    expect(object.metadata).toEqual({ sha256: ref.sha256 });
  });

  it('keeps binary data byte for byte and replaces an object written again', async () => {
    const bytes = new Uint8Array(70_000).map((_, index) => (index * 31) % 256);
    await store().put(key, 'blob.bin', 'old');
    const ref = await store().put(key, 'blob.bin', bytes);
    const object = await s3.getObject('round-1/2/blob.bin');
    expect(object.bytes.length).toBe(70_000);
    expect(object.bytes.equals(Buffer.from(bytes))).toBe(true);
    expect(ref).toMatchObject({ bytes: 70_000, sha256: sha256(bytes) });
  });

  it.each(['../escape.txt', 'a/../../b', '/etc/passwd', '', 'a//b', './a', 'a\\b', 'a\nb'])(
    'refuses the name %p',
    async (name) => {
      await expect(store().put(key, name, 'x')).rejects.toBeInstanceOf(InvalidArtifactNameError);
    },
  );

  it('refuses a round id that is not a single folder name', async () => {
    await expect(store().put({ roundId: '../x', attempt: 1 }, 'a', 'x')).rejects.toThrow(RangeError);
  });

  it('fails with the server’s answer when the bucket does not exist', async () => {
    const missing = createS3ArtifactStore({
      endpoint: s3.endpoint,
      bucket: 'no-such-bucket',
      region: s3.region,
      credentials: s3.credentials,
    });
    await expect(missing.put(key, 'a.txt', 'x')).rejects.toThrow(/bucket does not exist/i);
  });
});
