import { createTestDatabase, pgTestUrl, type TestDatabase } from './postgres';

// setupFilesAfterEnv of the `e2e (postgres)` jest project: each test file gets a fresh database on the
// PG_TEST_URL server, which createStackEnv() hands to the processes it starts as DATABASE_URL.
let database: TestDatabase | undefined;

beforeAll(async () => {
  if (!pgTestUrl) throw new Error('the postgres project needs PG_TEST_URL');
  database = await createTestDatabase(pgTestUrl);
  process.env.SC_TEST_DATABASE_URL = database.url;
});

afterAll(async () => {
  delete process.env.SC_TEST_DATABASE_URL;
  await database?.drop();
});
