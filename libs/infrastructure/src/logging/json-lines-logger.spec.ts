import { execFileSync } from 'node:child_process';
import fs, { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { until } from '../../../../test/support/until';
import { createJsonLinesLogger } from './json-lines-logger';

describe(createJsonLinesLogger.name, () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sc-log-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const file = () => join(dir, `${new Date().toISOString().slice(0, 10)}.jsonl`);
  const lines = () => (existsSync(file()) ? readFileSync(file(), 'utf8').split('\n').filter(Boolean) : []);

  it('writes a batch of info lines a moment later, with no other line to push them out', async () => {
    const logger = createJsonLinesLogger({ service: 'test', logDir: dir, stdout: false });
    logger.info('one');
    logger.info('two');
    await until(() => lines().length === 2, { what: 'both lines in the file' });
    expect(lines().map((line) => JSON.parse(line).msg)).toEqual(['one', 'two']);
  });

  it('makes no writes once no line comes (no empty flushes while idle)', async () => {
    const logger = createJsonLinesLogger({ service: 'test', logDir: dir, stdout: false });
    logger.info('one');
    await until(() => lines().length === 1, { what: 'the line in the file' });
    await sleep(1_000);
    const write = jest.spyOn(fs, 'write');
    await sleep(300);
    expect(write).not.toHaveBeenCalled();
    write.mockRestore();
  });

  it('writes what waits when the process exits', () => {
    const script = `const l = require('@sc/infrastructure').createJsonLinesLogger({ service: 'test', logDir: ${JSON.stringify(dir)}, stdout: false }); l.info('last words'); process.exit(0);`;
    execFileSync(process.execPath, ['-e', script]);
    expect(lines().map((line) => JSON.parse(line).msg)).toEqual(['last words']);
  });
});
