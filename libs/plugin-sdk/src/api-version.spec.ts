import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiVersionMismatch, SDK_API_VERSION } from './api-version';

describe('SDK_API_VERSION', () => {
  it('is the version of the package plugin authors install', () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(version).toBe(SDK_API_VERSION);
  });

  it.each([
    ['1.0.0', undefined],
    ['2.0.0', `apiVersion 2.0.0 needs plugin API major 2, this worker's SDK is ${SDK_API_VERSION} (major 1)`],
    ['one', `apiVersion "one" is not a SemVer version such as "${SDK_API_VERSION}"`],
  ])('apiVersion %s → %s', (apiVersion, mismatch) => expect(apiVersionMismatch(apiVersion)).toBe(mismatch));
});
