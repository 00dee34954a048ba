import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The generator runs as its own process: prettier (used by json-schema-to-typescript) loads plugins with
// dynamic import(), which jest's module sandbox does not allow.
describe('generated schema types', () => {
  it('match the JSON Schemas they are generated from', () => {
    const script = join(__dirname, '..', '..', '..', 'scripts', 'generate-schema-types.js');
    const run = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
