// @ts-check
const { URL } = require('node:url');

/** ioredis options for BullMQ from a `redis://host:port[/db]` URL (BullMQ workers need maxRetriesPerRequest null). */
function redisConnection(redisUrl) {
  const url = new URL(redisUrl);
  const db = Number(url.pathname.slice(1) || '0');
  return { host: url.hostname, port: Number(url.port || 6379), db, maxRetriesPerRequest: null };
}

/** Deletes every key under `<prefix>:`, so a bench run leaves the shared Redis as it found it. */
async function deleteKeys(redisUrl, prefix) {
  const { Redis } = require('ioredis');
  const redis = new Redis(redisConnection(redisUrl));
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

module.exports = { deleteKeys, redisConnection };
