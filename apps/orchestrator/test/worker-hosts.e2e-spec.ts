import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeAgent, freePort, type StackProcess } from '../../../test/support/local-stack';
import { createNetworkHost, netnsSkipReason, type NetworkHost } from '../../../test/support/network-host';
import { startRedis, stopRedis } from '../../../test/support/redis-server';
import { createBareRemote } from '../../../test/support/test-repository';
import { startS3Server, type S3TestServer } from '../../../test/support/s3-server';
import { until } from '../../../test/support/until';
import { echoOrder } from './support/orchestrator-stack';
import { ReliabilityStack, trail } from './support/reliability-stack';

// Short locks: the cut-off worker gives up, and the other takes over, within seconds.
const lockMs = 2_000;

/**
 * A worker on a host of its own (a network namespace whose one link reaches Redis and S3 on this machine; no
 * folder shared with the orchestrator), whose link is then pulled mid-Round; a second worker on the machine.
 */
(netnsSkipReason ? describe.skip : describe)(`a worker on another host${netnsSkipReason}`, () => {
  let host: NetworkHost;
  let redis: ChildProcess;
  let s3: S3TestServer;
  let sc: ReliabilityStack;
  let remote: StackProcess;
  let remoteDir: string;

  beforeAll(async () => {
    host = createNetworkHost();
    const port = await freePort();
    redis = await startRedis(port, ['127.0.0.1', host.gateway]);
    s3 = await startS3Server('sc-artifacts', undefined, host.gateway);
    sc = await ReliabilityStack.create({
      REDIS_URL: `redis://127.0.0.1:${port}`,
      SC_WORKER_LOCK_MS: String(lockMs),
      ...s3.env,
    });
    await sc.startOrchestrator();
    remoteDir = mkdtempSync(join(tmpdir(), 'sc-remote-host-'));
    remote = await sc.startWorker(
      {
        REDIS_URL: `redis://${host.gateway}:${port}`,
        SC_DATA_DIR: join(remoteDir, 'data'),
        SC_LOG_DIR: join(remoteDir, 'logs'),
      },
      host.launcher,
    );
  });

  afterAll(async () => {
    host?.heal();
    await sc?.close();
    if (redis) await stopRedis(redis);
    await s3?.close();
    host?.remove();
    if (remoteDir) rmSync(remoteDir, { recursive: true, force: true });
  });

  it('runs a Round there and puts its artifacts on S3', async () => {
    const submitted = await sc.call('POST', '/workorders', echoOrder({ params: { greeting: 'from another host' } }));
    const { round, report } = await sc.ended(submitted.body.round_id as string);
    expect(round.state).toBe('succeeded');
    expect(sc.holderOf(round)).toBe(remote);
    const [artifact] = report.artifacts;
    expect(artifact.uri).toBe(`s3://${s3.bucket}/${round.id}/1/params.json`);
    expect(JSON.parse((await s3.getObject(`${round.id}/1/params.json`)).bytes.toString('utf8'))).toEqual({
      greeting: 'from another host',
    });
  });

  it('clones a repo.url work-order over the network, there, and runs its agent on the clone', async () => {
    // The repository served by git's own daemon on this machine's end of the host's link: the worker reaches it
    // by URL, as it would a git host, not by a path.
    const gitRoot = join(remoteDir, 'git-server');
    mkdirSync(gitRoot);
    createBareRemote(gitRoot);
    const gitPort = await freePort();
    const daemon = spawn(
      'git',
      [
        'daemon',
        '--reuseaddr',
        '--export-all',
        `--base-path=${gitRoot}`,
        `--listen=${host.gateway}`,
        `--port=${gitPort}`,
      ],
      { stdio: 'ignore' },
    );
    try {
      await until(() => canConnect(host.gateway, gitPort), { what: 'git daemon listening' });
      const submitted = await sc.call('POST', '/workorders', {
        title: 'Notes from another host',
        instructions: 'Write the notes.',
        plugin: 'agent-cli',
        repo: { url: `git://${host.gateway}:${gitPort}/remote.git`, base_ref: 'main' },
        agents: [
          {
            name: 'scribe',
            model: 'fake-model',
            role: 'implementer',
            command: `"${process.execPath}" "${fakeAgent}" --fake-model=fake-model`,
          },
        ],
      });
      expect(submitted.status).toBe(200);
      const { round, report } = await sc.ended(submitted.body.round_id as string, 60_000);
      expect({ state: round.state, summary: report.summary }).toEqual({
        state: 'succeeded',
        summary: expect.anything(),
      });
      expect(sc.holderOf(round)).toBe(remote);
      const [commit] = report.commits as { branch: string; sha: string }[];
      // The commit is in the worker host's own bare clone of the URL, under its data folder.
      const [clone] = readdirSync(join(remoteDir, 'data', 'repos'));
      const type = execFileSync('git', ['-C', join(remoteDir, 'data', 'repos', clone), 'cat-file', '-t', commit.sha]);
      expect(type.toString().trim()).toBe('commit');
    } finally {
      daemon.kill();
    }
  });

  it('cut off mid-Round, it stops the Round and never reports; the other worker takes it over to one Report', async () => {
    const roundId = await sc.submitWait(8_000);
    await sc.roundWhen(
      roundId,
      (round) => round.state === 'running' && sc.holderOf(round) === remote,
      'running on the other host',
    );
    const local = await sc.startWorker();

    host.cut();
    await until(() => remote.output().includes('"msg":"round abandoned"'), {
      timeoutMs: 30_000,
      what: 'the cut-off worker abandoning its Round',
    });
    const { round, report } = await sc.ended(roundId, 60_000);
    expect(round.state).toBe('succeeded');
    expect(sc.holderOf(round)).toBe(local);
    expect(report.worker).toBe(round.worker);

    // Linked again, the cut-off worker sends what it still held and stops: nothing of it may end the Round again.
    host.heal();
    await remote.stop();
    const after = await sc.call('GET', `/rounds/${roundId}`);
    expect(trail(after.body).filter(([, to]) => to === 'succeeded')).toHaveLength(1);
    expect(after.body.worker).toBe(round.worker);
    expect(
      remote
        .output()
        .split('\n')
        .filter((line) => line.includes('"msg":"round finished"') && line.includes(roundId)),
    ).toEqual([]);
  });
});

/** Whether something accepts TCP connections on `host:port`. */
function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}
