import { agentEnvironment, parseAgentEnvNames } from './agent-environment';

describe('agentEnvironment', () => {
  it("keeps the allowed names and the operator's, removes every other variable of the worker, sets HOME", () => {
    const worker = {
      PATH: '/usr/bin',
      LANG: 'C.UTF-8',
      LC_ALL: 'C',
      HOME: '/root',
      DATABASE_URL: 'postgres://secret',
      HTTPS_PROXY: 'http://proxy:3128',
      GITHUB_TOKEN: 'ghp_x',
    };
    expect(
      agentEnvironment(worker, ['HTTPS_PROXY'], { SC_ROUND_ID: 'r1' }, '/data/worktrees/r1/1/.claude/home'),
    ).toEqual({
      PATH: '/usr/bin',
      LANG: 'C.UTF-8',
      LC_ALL: 'C',
      HOME: '/data/worktrees/r1/1/.claude/home',
      DATABASE_URL: undefined,
      HTTPS_PROXY: 'http://proxy:3128',
      GITHUB_TOKEN: undefined,
      SC_ROUND_ID: 'r1',
    });
  });
});

describe('parseAgentEnvNames', () => {
  it('reads comma-separated names and refuses anything else in one line', () => {
    expect(parseAgentEnvNames(' HTTPS_PROXY, NODE_EXTRA_CA_CERTS ,')).toEqual(['HTTPS_PROXY', 'NODE_EXTRA_CA_CERTS']);
    expect(parseAgentEnvNames(undefined)).toEqual([]);
    expect(() => parseAgentEnvNames('A=B')).toThrow(
      'SC_AGENT_ENV: expected variable names separated by commas, got "A=B"',
    );
  });
});
