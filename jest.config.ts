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

export const shared = {
  testEnvironment: 'node',
  rootDir: '.',
  // test/compose needs a Docker engine and builds images: `npm run test:compose` (test/compose/jest.config.ts);
  // test/cluster makes network namespaces: `npm run test:cluster` (test/cluster/jest.config.ts).
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/test/compose/', '<rootDir>/test/cluster/'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@sc/plugin-sdk/testing$': '<rootDir>/libs/plugin-sdk/src/testing',
    '^@sc/(schemas|infrastructure|plugin-sdk|runner)$': '<rootDir>/libs/$1/src',
  },
  setupFiles: ['reflect-metadata'],
} satisfies Config;

// Every suite runs on SQLite; with PG_TEST_URL set (CI sets it) the suites that store data — the
// orchestrator's and the CLI's end-to-end suites — run again on Postgres, each file in a database of its own.
const projects: Config['projects'] = [
  {
    ...shared,
    displayName: 'sqlite',
    testMatch: ['<rootDir>/{apps,libs,migrations,test,bench,examples}/**/*.{spec,e2e-spec}.ts'],
    // `*.pg.e2e-spec.ts` (several processes on one database) need Postgres: with it they run in its project
    // only, without it they say they are skipped.
    testPathIgnorePatterns: [
      ...shared.testPathIgnorePatterns,
      ...(process.env.PG_TEST_URL ? ['\\.pg\\.e2e-spec\\.ts$'] : []),
    ],
  },
];
if (process.env.PG_TEST_URL) {
  projects.push({
    ...shared,
    displayName: 'postgres',
    testMatch: ['<rootDir>/apps/{orchestrator,cli}/test/**/*.e2e-spec.ts'],
    setupFilesAfterEnv: ['<rootDir>/test/support/postgres-per-file.ts'],
  });
}

const config: Config = {
  projects,
  // End-to-end suites start real processes; two workers match the two cores CI has.
  maxWorkers: 2,
  testTimeout: 60_000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};

export default config;
