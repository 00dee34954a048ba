import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '../../../../../test/support/until';
import { PortBlocks } from './port-blocks';

describe(PortBlocks.name, () => {
  let dir: string;
  const onLost = jest.fn();

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sc-port-blocks-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('hands each holder a block no other holds, refuses when all are held, and hands a released block again', async () => {
    const blocks = new PortBlocks(4, { first: 24_000, last: 24_011 }, dir);
    const held = await Promise.all([blocks.acquire(onLost), blocks.acquire(onLost), blocks.acquire(onLost)]);
    expect(held.map((block) => block.base).sort()).toEqual([24_000, 24_004, 24_008]);
    await expect(blocks.acquire(onLost)).rejects.toThrow(
      'no free block of 4 ports in 24000-24011: all 3 are held by running agents or in use',
    );
    await held[1].release();
    await held[1].release();
    expect((await blocks.acquire(onLost)).base).toBe(held[1].base);
    expect(onLost).not.toHaveBeenCalled();
  });

  it('skips a block another program listens on', async () => {
    const server = await listen(24_101);
    try {
      const block = await new PortBlocks(2, { first: 24_100, last: 24_103 }, dir).acquire(onLost);
      expect(block.base).toBe(24_102);
    } finally {
      server.close();
    }
  });

  it('never hands out a block another process holds', async () => {
    // Another worker process on the host holds 24200-24201 the same way: a lock folder named after the base.
    const script = `require('proper-lockfile').lock(${JSON.stringify(join(dir, '24200'))}, { realpath: false }).then(() => console.log('held'))`;
    const other = spawn(process.execPath, ['-e', `${script}; setInterval(() => {}, 1000)`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    other.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await until(() => output.includes('held'), { timeoutMs: 10_000 });
      const blocks = new PortBlocks(2, { first: 24_200, last: 24_203 }, dir);
      expect((await blocks.acquire(onLost)).base).toBe(24_202);
      await expect(blocks.acquire(onLost)).rejects.toThrow('no free block');
    } finally {
      other.kill('SIGKILL');
    }
  });
});

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}
