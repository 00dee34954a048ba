/** @jest-config-loader ts-node */
/** @jest-config-loader-options {"transpileOnly": true} */
import type { Config } from 'jest';

// swc strips types (tsc checks them in `npm run build`), which keeps the suite fast on two cores.
const swc: [string, Record<string, unknown>] = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const config: Config = {
  testEnvironment: 'node',
  rootDir: '.',
  testMatch: ['<rootDir>/{apps,libs,migrations,test,bench,examples}/**/*.{spec,e2e-spec}.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@sc/plugin-sdk/testing$': '<rootDir>/libs/plugin-sdk/src/testing',
    '^@sc/(schemas|plugin-sdk|runner)$': '<rootDir>/libs/$1/src',
  },
  setupFiles: ['reflect-metadata'],
  // End-to-end suites start real processes; two workers match the two cores CI has.
  maxWorkers: 2,
  testTimeout: 60_000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};

export default config;
