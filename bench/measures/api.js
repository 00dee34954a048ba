// @ts-check
// GET /rounds and GET /rounds/:id with many Rounds stored: a fresh orchestrator, its database seeded
// directly, then requests one at a time.
const { createApiClient } = require('../api-client');
const { sampleRoundIds, seedRounds } = require('../seed-rounds');
const { createStack } = require('../stack');
const { latencySummary, round, timeSequential } = require('../stats');

const warmupRequests = 20;

/** p50/p99 of the list (first page, later pages by cursor, status and label filters) and get routes. */
async function measureApi({ database, rounds, requests }) {
  const stack = await createStack(`api-${database.type}`, database);
  try {
    const orchestrator = await stack.startOrchestrator();
    const seedMs = await seedRounds(stack, rounds);
    const ids = await sampleRoundIds(stack, rounds, requests);
    const api = createApiClient(orchestrator.url, 1);
    try {
      const time = async (paths) => {
        await timeSequential(Math.min(warmupRequests, paths.length), (i) => api.get(paths[i]));
        return latencySummary(await timeSequential(paths.length, (i) => api.get(paths[i])));
      };
      const cursorPaths = await pagePaths(api, requests);
      return {
        database: database.type,
        rounds,
        seed_s: round(seedMs / 1000, 1),
        list: await time(Array.from({ length: requests }, () => '/rounds?limit=50')),
        list_cursor: await time(cursorPaths),
        list_status: await time(Array.from({ length: requests }, () => '/rounds?limit=50&status=queued')),
        list_label: await time(Array.from({ length: requests }, () => '/rounds?limit=50&label=frontend')),
        get: await time(ids.map((id) => `/rounds/${id}`)),
      };
    } finally {
      api.close();
    }
  } finally {
    await stack.cleanup();
  }
}

/** The paths of `count` consecutive pages after the first (each request then reads a different page). */
async function pagePaths(api, count) {
  const paths = [];
  let page = await api.get('/rounds?limit=50');
  while (paths.length < count && page.next_cursor) {
    const path = `/rounds?limit=50&cursor=${page.next_cursor}`;
    paths.push(path);
    page = await api.get(path);
  }
  return paths;
}

module.exports = { measureApi };
