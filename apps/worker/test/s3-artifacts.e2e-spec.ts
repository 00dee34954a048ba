import { createHash } from 'node:crypto';
import { type StackEnv, type StackProcess } from '../../../test/support/local-stack';
import { startS3Server, type S3TestServer } from '../../../test/support/s3-server';
import { startWorkerStack, stopWorkerStack, type QueueDriver } from './worker-stack';

describe('worker: artifacts on S3 when S3_ENDPOINT is set', () => {
  let s3: S3TestServer;
  let stack: StackEnv;
  let worker: StackProcess;
  let queues: QueueDriver;

  beforeAll(async () => {
    s3 = await startS3Server();
    // Credentials reach the worker the way they reach a container: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.
    ({ stack, worker, queues } = await startWorkerStack(s3.env));
  });

  afterAll(async () => {
    await stopWorkerStack({ stack, worker, queues });
    await s3?.close();
  });

  it('logs the S3 store at start', () => {
    expect(worker.output()).toMatch(
      new RegExp(`"store":"s3","endpoint":"${s3.endpoint}","bucket":"${s3.bucket}".*"msg":"artifact store"`),
    );
  });

  it('puts an echo Round’s params.json in the bucket: the Report’s s3:// URI, bytes and sha256 match the object', async () => {
    const job = await queues.submit({ params: { greeting: 'hello S3' } });
    const { report } = await queues.finished(job.round_id);
    expect(report.status).toBe('success');
    const [artifact] = report.artifacts;
    const objectKey = `${job.round_id}/1/params.json`;
    expect(artifact.uri).toBe(`s3://${s3.bucket}/${objectKey}`);
    const object = await s3.getObject(objectKey);
    expect(JSON.parse(object.bytes.toString('utf8'))).toEqual({ greeting: 'hello S3' });
    expect(object.bytes.length).toBe(artifact.bytes);
    expect(createHash('sha256').update(object.bytes).digest('hex')).toBe(artifact.sha256);
    expect(object.metadata.sha256).toBe(artifact.sha256);
  });
});
