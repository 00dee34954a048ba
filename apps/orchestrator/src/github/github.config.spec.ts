import { generateKeyPairSync } from 'node:crypto';
import { readGitHubConfig } from './github.config';

const secret = 'a-test-secret-of-some-length';
const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const app = { GITHUB_WEBHOOK_SECRET: secret, GITHUB_APP_ID: '123', GITHUB_APP_INSTALLATION_ID: '456' };

describe(readGitHubConfig.name, () => {
  it('is disabled, saying why, when nothing is set', () => {
    expect(readGitHubConfig({})).toEqual({
      isEnabled: false,
      reason: 'GITHUB_WEBHOOK_SECRET and GITHUB_TOKEN are not set',
    });
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
    expect(
      readGitHubConfig({
        GITHUB_WEBHOOK_SECRET: secret,
        GITHUB_TOKEN: 't',
        GITHUB_API_URL: 'https://ghe.example/api/v3/',
      }),
    ).toMatchObject({ apiUrl: 'https://ghe.example/api/v3' });
  });

  it('is enabled as a GitHub App with its id, private key (also with escaped newlines) and installation id', () => {
    const expected = {
      isEnabled: true,
      auth: { type: 'app', appId: 123, privateKey: privateKey.trim(), installationId: 456 },
    };
    expect(readGitHubConfig({ ...app, GITHUB_APP_PRIVATE_KEY: privateKey })).toMatchObject(expected);
    expect(readGitHubConfig({ ...app, GITHUB_APP_PRIVATE_KEY: privateKey.replace(/\n/g, '\\n') })).toMatchObject(
      expected,
    );
  });

  it('prefers GITHUB_TOKEN when the App variables are set too', () => {
    expect(readGitHubConfig({ ...app, GITHUB_APP_PRIVATE_KEY: 'unused', GITHUB_TOKEN: 't' })).toMatchObject({
      isEnabled: true,
      auth: { type: 'token', token: 't' },
    });
  });

  it('takes SC_PUBLIC_URL for links to Rounds', () => {
    expect(
      readGitHubConfig({ GITHUB_WEBHOOK_SECRET: secret, GITHUB_TOKEN: 't', SC_PUBLIC_URL: 'https://sc.example/' }),
    ).toMatchObject({ publicUrl: 'https://sc.example' });
  });

  it.each([
    [
      { GITHUB_WEBHOOK_SECRET: secret, GITHUB_TOKEN: 't', SC_PUBLIC_URL: 'sc.example' },
      'SC_PUBLIC_URL: expected an http(s) URL, got "sc.example"',
    ],
    [{ GITHUB_TOKEN: 't' }, 'GITHUB_WEBHOOK_SECRET is not set'],
    [
      { GITHUB_WEBHOOK_SECRET: 'short', GITHUB_TOKEN: 't' },
      'GITHUB_WEBHOOK_SECRET: expected at least 16 characters, got 5',
    ],
    [{ GITHUB_WEBHOOK_SECRET: secret }, 'GITHUB_TOKEN (or the GitHub App variables) is not set'],
    [
      { GITHUB_WEBHOOK_SECRET: secret, GITHUB_APP_ID: '1' },
      'GITHUB_APP_PRIVATE_KEY, GITHUB_APP_INSTALLATION_ID not set (a GitHub App needs all of GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY, GITHUB_APP_INSTALLATION_ID)',
    ],
    [
      { ...app, GITHUB_APP_ID: 'my-app', GITHUB_APP_PRIVATE_KEY: privateKey },
      'GITHUB_APP_ID: expected the App\'s numeric id, got "my-app"',
    ],
    [
      { ...app, GITHUB_APP_INSTALLATION_ID: '4x', GITHUB_APP_PRIVATE_KEY: privateKey },
      'GITHUB_APP_INSTALLATION_ID: expected a numeric id, got "4x"',
    ],
    [
      { ...app, GITHUB_APP_PRIVATE_KEY: 'not a key' },
      "GITHUB_APP_PRIVATE_KEY: expected the App's private key in PEM (-----BEGIN RSA PRIVATE KEY-----…)",
    ],
    [
      { GITHUB_WEBHOOK_SECRET: secret, GITHUB_TOKEN: 't', GITHUB_API_URL: 'ftp://x' },
      'GITHUB_API_URL: expected an http(s) URL such as https://api.github.com, got "ftp://x"',
    ],
  ])('is disabled by a missing or wrong value (%j)', (env, reason) => {
    expect(readGitHubConfig(env)).toEqual({ isEnabled: false, reason });
  });
});
