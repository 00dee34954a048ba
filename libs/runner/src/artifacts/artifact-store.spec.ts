import * as fc from 'fast-check';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArtifactNameError } from '../errors';
import { assertArtifactName } from './artifact-store';
import { createLocalArtifactStore } from './local.artifact-store';

/** Names built from the pieces path traversal is made of, so that most runs try something sly. */
const slyName = fc
  .array(
    fc.constantFrom(
      '..',
      '.',
      '/',
      '\\',
      'a',
      'b.txt',
      '%2e%2e',
      '%2f',
      '\u0000',
      '\n',
      '~',
      ' ',
      '\u202e',
      'C:',
      '//',
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((pieces) => pieces.join(''));
const anyName = fc.oneof(slyName, fc.string({ unit: 'binary', maxLength: 300 }));

/** Whether `path` lies inside `dir` (or is it). */
function isInside(dir: string, path: string): boolean {
  const rest = relative(dir, path);
  return rest !== '..' && !rest.startsWith(`..${sep}`) && !isAbsolute(rest);
}

describe(assertArtifactName.name, () => {
  it('accepts a name only when it stays inside the attempt folder, and refuses everything else with InvalidArtifactNameError', () => {
    const folder = '/data/artifacts/round-1/1';
    fc.assert(
      fc.property(anyName, (name) => {
        try {
          assertArtifactName(name);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidArtifactNameError);
          return;
        }
        expect(isInside(folder, join(folder, ...name.split('/')))).toBe(true);
        expect(name.split('/')).not.toContain('..');
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('local artifact store under fuzzed names', () => {
  let dataDir: string;
  beforeAll(() => (dataDir = mkdtempSync(join(tmpdir(), 'sc-artifact-fuzz-'))));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('writes every accepted name inside its attempt folder and nothing anywhere else', async () => {
    const store = createLocalArtifactStore({ dataDir: join(dataDir, 'data') });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(slyName, async (name) => {
        // A folder per run: `a` written as a file would otherwise clash with a later `a/b`.
        const roundId = `round-${++run}`;
        const ref = await store.put({ roundId, attempt: 1 }, name, 'x').catch((error: unknown) => {
          expect(error).toBeInstanceOf(InvalidArtifactNameError);
          return undefined;
        });
        if (ref) expect(isInside(join(dataDir, 'data', 'artifacts', roundId, '1'), fileURLToPath(ref.uri))).toBe(true);
      }),
      { numRuns: 300 },
    );
    // Whatever was accepted, the temp folder holds only the store's own tree.
    expect(readdirSync(dataDir)).toEqual(['data']);
    expect(readdirSync(join(dataDir, 'data'))).toEqual(['artifacts']);
    expect(readdirSync(join(dataDir, 'data', 'artifacts')).every((entry) => /^round-\d+$/.test(entry))).toBe(true);
  });
});
