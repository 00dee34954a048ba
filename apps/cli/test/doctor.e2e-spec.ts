import { freePort } from '../../../test/support/local-stack';
import { runSc } from './run-sc';

describe('sc doctor', () => {
  it('prints and returns the Redis and API URLs with their passwords masked', async () => {
    const [redisPort, apiPort] = [await freePort(), await freePort()];
    const env = {
      REDIS_URL: `redis://default:redis-secret@127.0.0.1:${redisPort}`,
      SC_API_URL: `http://sc:api-secret@127.0.0.1:${apiPort}`,
    };
    for (const args of [['doctor'], ['doctor', '--json']]) {
      const { code, stdout, stderr } = await runSc(args, { env });
      expect({ code, secrets: `${stdout}${stderr}`.match(/redis-secret|api-secret/g) }).toEqual({
        code: 1,
        secrets: null,
      });
      expect(stdout).toContain(`redis://default:***@127.0.0.1:${redisPort}: connection refused`);
      expect(stdout).toContain(`http://sc:***@127.0.0.1:${apiPort}`);
    }
  });
});
