#!/usr/bin/env node
// `npm run pack:plugin-sdk [-- <folder>]`: the plugin SDK as npm tarballs, for plugins built outside this
// repository. @sc/plugin-sdk's types use @sc/schemas' (the work-order a plugin receives), so both are packed;
// install them together: `npm install <folder>/sc-schemas-*.tgz <folder>/sc-plugin-sdk-*.tgz`.
const { execFileSync } = require('node:child_process');
const { mkdirSync } = require('node:fs');
const { join, resolve } = require('node:path');

const root = join(__dirname, '..');
const destination = resolve(process.argv[2] ?? join(root, 'dist', 'packages'));
mkdirSync(destination, { recursive: true });
for (const lib of ['schemas', 'plugin-sdk']) {
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', destination], {
      cwd: join(root, 'libs', lib),
      encoding: 'utf8',
    }),
  );
  process.stdout.write(`${join(destination, packed.filename)}\n`);
}
