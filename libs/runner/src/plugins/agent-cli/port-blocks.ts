import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lock } from 'proper-lockfile';

/** A block of TCP ports that one agent holds on this host: `base` to `base + count - 1`. */
export interface PortBlock {
  base: number;
  count: number;
  /** Gives the block back; a second call does nothing. */
  release(): Promise<void>;
}

/** The ports blocks are taken from. */
export interface PortRange {
  first: number;
  last: number;
}

// Below Linux's default ephemeral range (32768-60999), so that no outgoing connection is ever given an agent's
// port, and above the ports dev servers and databases use by default (3000, 5432, 8080, …).
const defaultRange: PortRange = { first: 20_000, last: 32_767 };
// Shared by every worker process on the host, whatever its data folder: ports belong to the host.
const defaultDir = join(tmpdir(), 'sc-port-blocks');
// A holder refreshes its lock every half of this; a worker killed with -9 frees its blocks after it.
const staleMs = 30_000;

/**
 * Hands out blocks of ports no other running agent on this host holds. Each block is a lock folder
 * (proper-lockfile) in a host-wide folder, so worker processes agree without talking to each other, and a
 * block whose holder died goes stale and is taken again. A block some other program listens on is skipped.
 */
export class PortBlocks {
  constructor(
    /** Ports per block (`SC_PORT_COUNT`). */
    readonly count: number,
    private readonly range: PortRange = defaultRange,
    private readonly dir: string = defaultDir,
  ) {
    if (Math.floor((range.last - range.first + 1) / count) < 1)
      throw new Error(`ports ${range.first}-${range.last} hold no block of ${count}`);
  }

  /** A free block; throws when every block is held. `onLost` is told if the block's lock was taken from it. */
  async acquire(onLost: (error: Error) => void): Promise<PortBlock> {
    await mkdir(this.dir, { recursive: true });
    const blocks = Math.floor((this.range.last - this.range.first + 1) / this.count);
    // From a random block on: agents starting together do not all contend for the first one.
    const start = Math.floor(Math.random() * blocks);
    for (let i = 0; i < blocks; i++) {
      const base = this.range.first + ((start + i) % blocks) * this.count;
      // proper-lockfile keeps one lock per path in a process: each block is a path of its own (`<base>.lock`).
      const release = await lock(join(this.dir, String(base)), {
        realpath: false,
        stale: staleMs,
        retries: 0,
        onCompromised: onLost,
      }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ELOCKED') return undefined;
        throw error;
      });
      if (!release) continue;
      if (await arePortsFree(base, this.count)) return { base, count: this.count, release: once(release) };
      await release();
    }
    throw new Error(
      `no free block of ${this.count} ports in ${this.range.first}-${this.range.last}: all ${blocks} are held by running agents or in use`,
    );
  }
}

/** Whether nothing listens on any of the ports (tried by listening on each, on every address). */
async function arePortsFree(base: number, count: number): Promise<boolean> {
  for (let port = base; port < base + count; port++) {
    const isFree = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen({ port, exclusive: true }, () => server.close(() => resolve(true)));
    });
    if (!isFree) return false;
  }
  return true;
}

function once(release: () => Promise<void>): () => Promise<void> {
  let released: Promise<void> | undefined;
  return () => (released ??= release());
}
