#!/usr/bin/env node
// Generates libs/schemas/src/*.types.ts from the JSON Schemas, so the types never drift from the contract.
// `--check` exits 1 when a generated file differs from what is committed (schema-types.spec.ts runs it too).
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { compile } = require('json-schema-to-typescript');

const root = join(__dirname, '..', 'libs', 'schemas');
const targets = [
  { schema: 'workorder@1.json', out: 'workorder.types.ts' },
  { schema: 'report@1.json', out: 'report.types.ts' },
];
const banner = '/* Generated from libs/schemas/schemas by scripts/generate-schema-types.js — do not edit. */';

/** Renders the TypeScript source for one schema. */
async function render({ schema }) {
  const json = JSON.parse(readFileSync(join(root, 'schemas', schema), 'utf8'));
  return compile(json, json.title, {
    bannerComment: banner,
    additionalProperties: false,
    unreachableDefinitions: true,
    maxItems: -1,
    style: { singleQuote: true, printWidth: 120 },
  });
}

async function main() {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const target of targets) {
    const source = await render(target);
    const path = join(root, 'src', target.out);
    if (!check) writeFileSync(path, source);
    else if (readFileSync(path, 'utf8') !== source) {
      stale++;
      process.stderr.write(`${target.out} is out of date: run node scripts/generate-schema-types.js\n`);
    }
  }
  process.exitCode = stale ? 1 : 0;
}

module.exports = { render, targets, root };
if (require.main === module) void main();
