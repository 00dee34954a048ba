/** @jest-config-loader ts-node */
/** @jest-config-loader-options {"transpileOnly": true} */
import type { Config } from 'jest';
import { shared } from '../../jest.config';

// `npm run test:compose`: docker-compose.yml under a real Docker engine (compose-stack.e2e-spec.ts). One file whose
// tests run in order on one stack; builds and container starts set their own timeouts.
const config: Config = {
  ...shared,
  rootDir: '../..',
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testMatch: ['<rootDir>/test/compose/**/*.e2e-spec.ts'],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};

export default config;
