import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './support/local-stack';

/** One `$ command` of a console block in the README and the lines shown under it. */
interface Sample {
  command: string;
  output: string[];
}

// What a sample's annotations look like: two or more spaces, then `# …` to the end of the line.
const annotation = /\s{2,}#\s.*$/;

/** The `$ sc …` samples of the README's console blocks, annotations dropped. */
function readmeSamples(): Sample[] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const samples: Sample[] = [];
  for (const [, block] of readme.matchAll(/```console\n([\s\S]*?)```/g)) {
    let current: Sample | undefined;
    for (const line of block.split('\n')) {
      if (line.startsWith('$ '))
        samples.push((current = { command: line.slice(2).replace(annotation, ''), output: [] }));
      else if (line.trim() === '') current = undefined;
      else current?.output.push(line.replace(annotation, ''));
    }
  }
  return samples;
}

/** Ids, times, folders and hosts differ on every run; everything else must be as the README shows it. */
function normalise(text: string, dir: string): string {
  return text
    .split(dir)
    .join('<dir>')
    .replace(/\/tmp\/[a-z]+(?=\/)/g, '<dir>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
    .replace(/\bvm:\d+|\b[\w.-]+:\d+(?=\n|$)/g, '<host>:<pid>')
    .replace(/\d+\.\d+s\)/g, '<s>)');
}

// The samples whose output does not depend on a running stack, run in this order in one folder (the first
// writes hello.yaml, which the others read) with the README's other input files beside it.
const deterministic = ['sc wo new', 'sc validate', 'sc run hello.yaml'];

describe('the README samples', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-readme-'));
    for (const file of ['bad.yaml', 'shell.yaml'])
      copyFileSync(join(repoRoot, 'test', 'fixtures', 'readme', file), join(dir, file));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const samples = readmeSamples().filter((sample) => deterministic.some((prefix) => sample.command.startsWith(prefix)));

  it('include every sample this test runs', () => {
    expect(deterministic.filter((prefix) => !samples.some((sample) => sample.command.startsWith(prefix)))).toEqual([]);
  });

  it.each(samples.map((sample) => [sample.command, sample] as const))(
    '%s prints what the README shows',
    (_command, sample) => {
      // The shell splits the sample's words as a reader's shell would (quotes included).
      const args = execFileSync('sh', ['-c', `printf '%s\\n' ${sample.command.replace(/^sc /, '')}`], {
        encoding: 'utf8',
      })
        .trimEnd()
        .split('\n');
      const run = spawnSync(process.execPath, [join(repoRoot, 'apps', 'cli', 'bin', 'run.js'), ...args], {
        cwd: dir,
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          HOME: dir,
          SC_DATA_DIR: join(dir, 'data'),
          SC_LOG_DIR: join(dir, 'logs'),
          COLUMNS: '120',
        },
      });
      expect(normalise(`${run.stdout}${run.stderr}`, dir).trimEnd()).toBe(normalise(sample.output.join('\n'), dir));
    },
  );
});
