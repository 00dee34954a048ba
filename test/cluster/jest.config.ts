/** @jest-config-loader ts-node */
/** @jest-config-loader-options {"transpileOnly": true} */
import type { Config } from 'jest';
import { shared } from '../../jest.config';

// `npm run test:cluster`: orchestrators, workers and Redis with Sentinel as hosts in network namespaces, with
// faults (cluster.e2e-spec.ts). Needs root for `ip netns`; skipped with one line where it cannot make them.
const config: Config = {
  ...shared,
  rootDir: '../..',
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testMatch: ['<rootDir>/test/cluster/**/*.e2e-spec.ts'],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};

export default config;
