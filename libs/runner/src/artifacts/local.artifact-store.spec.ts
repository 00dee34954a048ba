import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArtifactNameError } from '../errors';
import { createLocalArtifactStore } from './local.artifact-store';

describe(createLocalArtifactStore.name, () => {
  let dataDir: string;
  const key = { roundId: 'round-1', attempt: 2 };

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sc-artifacts-'));
  });

  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stores a file under <dataDir>/artifacts/<round>/<attempt>/<name> and describes it', async () => {
    const ref = await createLocalArtifactStore({ dataDir }).put(key, 'logs/test.txt', 'hello\n');
    const path = join(dataDir, 'artifacts', 'round-1', '2', 'logs', 'test.txt');
    expect(ref).toEqual({
      name: 'logs/test.txt',
      uri: `file://${path}`,
      bytes: 6,
      sha256: createHash('sha256').update('hello\n').digest('hex'),
    });
    expect(fileURLToPath(ref.uri)).toBe(path);
    expect(readFileSync(path, 'utf8')).toBe('hello\n');
  });

  it('replaces a file written again under the same name', async () => {
    const store = createLocalArtifactStore({ dataDir });
    await store.put(key, 'params.json', 'old');
    const ref = await store.put(key, 'params.json', new Uint8Array([110, 101, 119]));
    expect(readFileSync(fileURLToPath(ref.uri), 'utf8')).toBe('new');
  });

  it('stores a large file (written without holding the event loop) the same way', async () => {
    const big = Buffer.alloc(1024 * 1024, 'x');
    const store = createLocalArtifactStore({ dataDir });
    await store.put(key, 'logs/big.txt', 'small first');
    const ref = await store.put(key, 'logs/big.txt', big);
    expect(ref).toMatchObject({ bytes: big.length, sha256: createHash('sha256').update(big).digest('hex') });
    expect(readFileSync(fileURLToPath(ref.uri)).equals(big)).toBe(true);
    expect(readdirSync(join(dataDir, 'artifacts', 'round-1', '2', 'logs'))).toEqual(['big.txt']);
  });

  it.each(['../escape.txt', 'a/../../b', '/etc/passwd', '', 'a//b', './a', 'a\\b', 'a\nb'])(
    'refuses the name %p',
    async (name) => {
      await expect(createLocalArtifactStore({ dataDir }).put(key, name, 'x')).rejects.toBeInstanceOf(
        InvalidArtifactNameError,
      );
    },
  );

  it('refuses a round id that is not a single folder name', async () => {
    await expect(createLocalArtifactStore({ dataDir }).put({ roundId: '../x', attempt: 1 }, 'a', 'x')).rejects.toThrow(
      RangeError,
    );
  });
});
