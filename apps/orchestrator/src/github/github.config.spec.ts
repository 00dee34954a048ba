import { readGitHubConfig } from './github.config';

const secret = 'a-test-secret-of-some-length';

describe(readGitHubConfig.name, () => {
  it('is disabled, saying why, when nothing is set', () => {
    expect(readGitHubConfig({})).toEqual({ isEnabled: false, reason: 'GITHUB_WEBHOOK_SECRET and GITHUB_TOKEN are not set' });
  });

  it('is enabled with a secret and a token, on api.github.com by default', () => {
    expect(readGitHubConfig({ GITHUB_WEBHOOK_SECRET: secret, GITHUB_TOKEN: 'ghp_x' })).toEqual({
      isEnabled: true,
      webhookSecret: secret,
      apiUrl: 'https://api.github.com',
      auth: { type: 'token', token: 'ghp_x' },
    });
  });

  it('takes GITHUB_API_URL for GitHub Enterprise, without a trailing slash', () => {
    expect(readGitHubConfig({ GITHUB_WEBHOOK_SECRET: secret, GITHUB_TOKEN: 't', GITHUB_API_URL: 'https://ghe.example/api/v3/' })).toMatchObject({ apiUrl: 'https://ghe.example/api/v3' });
  });

  it('takes SC_PUBLIC_URL for links to Rounds', () => {
    expect(readGitHubConfig({ GITHUB_WEBHOOK_SECRET: secret, GITHUB_TOKEN: 't', SC_PUBLIC_URL: 'https://sc.example/' })).toMatchObject({ publicUrl: 'https://sc.example' });
  });

  it.each([
    [{ GITHUB_WEBHOOK_SECRET: secret, GITHUB_TOKEN: 't', SC_PUBLIC_URL: 'sc.example' }, 'SC_PUBLIC_URL: expected an http(s) URL, got "sc.example"'],
    [{ GITHUB_TOKEN: 't' }, 'GITHUB_WEBHOOK_SECRET is not set'],
    [{ GITHUB_WEBHOOK_SECRET: 'short', GITHUB_TOKEN: 't' }, 'GITHUB_WEBHOOK_SECRET: expected at least 16 characters, got 5'],
    [{ GITHUB_WEBHOOK_SECRET: secret }, 'GITHUB_TOKEN is not set'],
    [{ GITHUB_WEBHOOK_SECRET: secret, GITHUB_APP_ID: '1' }, 'GitHub App authentication is not supported yet; set GITHUB_TOKEN'],
    [{ GITHUB_WEBHOOK_SECRET: secret, GITHUB_TOKEN: 't', GITHUB_API_URL: 'ftp://x' }, 'GITHUB_API_URL: expected an http(s) URL such as https://api.github.com, got "ftp://x"'],
  ])('is disabled by a missing or wrong value (%j)', (env, reason) => {
    expect(readGitHubConfig(env)).toEqual({ isEnabled: false, reason });
  });
});
