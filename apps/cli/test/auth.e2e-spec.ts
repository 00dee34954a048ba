import {
  createStackEnv,
  startOrchestrator,
  type OrchestratorProcess,
  type StackEnv,
} from '../../../test/support/local-stack';
import { runSc } from './run-sc';

describe('sc against an orchestrator with SC_API_TOKEN', () => {
  const token = 'cli-token-5b1e';
  let stack: StackEnv;
  let orchestrator: OrchestratorProcess;

  beforeAll(async () => {
    stack = createStackEnv({ SC_API_TOKEN: token });
    orchestrator = await startOrchestrator(stack);
  });
  afterAll(async () => {
    await orchestrator?.stop();
    stack?.cleanup();
  });

  it('sends the token from SC_API_TOKEN: rounds list works', async () => {
    const { code, stdout, stderr } = await runSc(['rounds', 'list', '--json'], {
      env: { SC_API_URL: orchestrator.url, SC_API_TOKEN: token },
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(stdout)).toMatchObject({ items: [] });
  });

  it.each([
    ['without a token', {}],
    ['with a wrong token', { SC_API_TOKEN: 'nope' }],
  ])('%s: one line on stderr naming the 401 and SC_API_TOKEN, exit 2', async (_what, env: NodeJS.ProcessEnv) => {
    const { code, stdout, stderr } = await runSc(['rounds', 'list'], { env: { SC_API_URL: orchestrator.url, ...env } });
    expect({ code, stdout, stderr }).toEqual({
      code: 2,
      stdout: '',
      stderr: 'GET /rounds?limit=20 → 401 missing or wrong bearer token (set SC_API_TOKEN)\n',
    });
  });
});
