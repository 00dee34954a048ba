import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, redisUrl } from '../../../test/support/local-stack';
import { until } from '../../../test/support/until';
import { runSc, startSc } from './run-sc';

describe('sc up', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-up-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one human line per process when it is ready and how to point sc at it, no JSON', async () => {
    const port = await freePort();
    const env = {
      REDIS_URL: redisUrl,
      SC_QUEUE_PREFIX: `sc-up-${port}`,
      SC_DATA_DIR: join(dir, 'data'),
      SC_LOG_DIR: join(dir, 'logs'),
      SC_AGENT_SANDBOX: 'off',
    };
    const up = startSc(['up', '--port', String(port)], { env });
    let output = '';
    up.child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    up.child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await until(() => output.includes('orchestrator ready') && output.includes('worker ready'), {
      timeoutMs: 60_000,
      what: 'both ready lines',
    });
    await fetch(`http://127.0.0.1:${port}/rounds`);
    up.child.kill('SIGINT');
    const { code } = await up.done;
    expect(code).toBe(0);
    const lines = output.split('\n').filter(Boolean);
    expect(lines.find((line) => line.startsWith('orchestrator ready'))).toBe(
      `orchestrator ready: API http://127.0.0.1:${port} (docs http://127.0.0.1:${port}/docs), data ${join(dir, 'data')}, logs ${join(dir, 'logs')}`,
    );
    expect(lines).toContain(`  point sc at it: export SC_API_URL=http://127.0.0.1:${port}`);
    expect(lines.find((line) => line.startsWith('worker ready'))).toMatch(
      /^worker ready: .+, 1 Round\(s\) at once, agents sandboxed: off$/,
    );
    // Boot lines and the access log of the GET above stay in the log files.
    expect(lines.filter((line) => line.includes('{'))).toEqual([]);
  });

  it('turns a port in use into one line', async () => {
    const server: Server = createServer();
    const port = await new Promise<number>((resolve) =>
      server.listen(0, () => resolve((server.address() as { port: number }).port)),
    );
    try {
      const { code, stdout, stderr } = await runSc(['up', '--port', String(port)], {
        env: { REDIS_URL: redisUrl, SC_DATA_DIR: join(dir, 'data') },
      });
      expect({ code, stdout, stderr }).toEqual({
        code: 1,
        stdout: '',
        stderr: `port ${port} is in use — another sc up? (--port picks another)\n`,
      });
    } finally {
      server.close();
    }
  });
});
