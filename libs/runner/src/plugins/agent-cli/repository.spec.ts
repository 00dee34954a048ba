import { createTestContext } from '@sc/plugin-sdk/testing';
import type { StoredWorkOrder } from '@sc/schemas';
import * as fc from 'fast-check';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { openRepository } from './repository';

const order = (path: string): StoredWorkOrder => ({
  id: 'wo-1',
  title: 'T',
  instructions: 'I',
  plugin: 'agent-cli',
  branch: 'feat/x',
  phases: ['coding'],
  priority: 5,
  repo: { path },
});

/** Relative paths made of the pieces that climb: `..`, both separators, dots that are not `..`. */
const relativePath = fc
  .array(fc.constantFrom('..', '.', '...', 'a', '/', '\\', '..a', 'a..', '%2e%2e'), { minLength: 1, maxLength: 8 })
  .map((pieces) => pieces.join(''))
  .filter((path) => !isAbsolute(path));

describe(openRepository.name, () => {
  it('refuses every relative repo.path that climbs out of the working directory, naming it', async () => {
    const ctx = createTestContext();
    await fc.assert(
      fc.asyncProperty(relativePath, async (path) => {
        const rest = relative(process.cwd(), resolve(path));
        const isClimbing = rest === '..' || rest.startsWith(`..${sep}`);
        const error = await openRepository(order(path), ctx).then(
          () => undefined,
          (thrown: Error) => thrown.message,
        );
        if (isClimbing || path.split(/[\\/]/).includes('..'))
          expect(error).toBe(`repo.path ${JSON.stringify(path)} must not climb out with ".."`);
      }),
      { numRuns: 300 },
    );
  });
});
