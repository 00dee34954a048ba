import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The Postgres server tests may use (CI sets it), or undefined to run on SQLite only. */
export const pgTestUrl = process.env.PG_TEST_URL;

/** A database of one test file: its URL and how to drop it. */
export interface TestDatabase {
  url: string;
  drop: () => Promise<void>;
}

/**
 * Creates a fresh database `sc_test_<random>` on the `PG_TEST_URL` server, so test files running in
 * parallel never see each other's rows or migrations. Drop it in `afterAll`.
 */
export async function createTestDatabase(serverUrl: string = requirePgTestUrl()): Promise<TestDatabase> {
  const name = `sc_test_${randomBytes(6).toString('hex')}`;
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // FORCE ends connections a killed process may have left behind.
    drop: () =>
      withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}

/**
 * The `DATABASE_URL` entry for `createStackEnv()`: a fresh database in the `e2e (postgres)` jest project
 * (postgres-per-file.ts sets `SC_TEST_DATABASE_URL` there), else an explicit SQLite choice (an absent
 * `DATABASE_URL`). `drop` is a no-op on SQLite.
 */
export async function createTestDatabaseEnv(): Promise<{ env: { DATABASE_URL?: string }; drop: () => Promise<void> }> {
  if (!pgTestUrl || !process.env.SC_TEST_DATABASE_URL)
    return { env: { DATABASE_URL: undefined }, drop: async () => undefined };
  const database = await createTestDatabase(pgTestUrl);
  return { env: { DATABASE_URL: database.url }, drop: database.drop };
}

function requirePgTestUrl(): string {
  if (!pgTestUrl) throw new Error('PG_TEST_URL is not set');
  return pgTestUrl;
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
