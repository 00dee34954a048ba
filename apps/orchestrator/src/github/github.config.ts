import { createPrivateKey } from 'node:crypto';

/** How the orchestrator talks to GitHub: a token (personal, fine-grained or a bot account's)… */
export interface GitHubTokenAuth {
  type: 'token';
  token: string;
}

/** …or as a GitHub App installation (Octokit trades the app's JWT for short-lived installation tokens). */
export interface GitHubAppAuth {
  type: 'app';
  appId: number;
  /** PEM, as GitHub issued it. */
  privateKey: string;
  installationId: number;
}

/**
 * The GitHub feature's settings. `disabled` carries the one line the orchestrator logs at start: a missing
 * or wrong GitHub setting turns the feature off and leaves the rest of Solar Circuit running.
 */
export type GitHubConfig =
  | {
      isEnabled: true;
      webhookSecret: string;
      apiUrl: string;
      auth: GitHubTokenAuth | GitHubAppAuth;
      /** `SC_PUBLIC_URL`: the orchestrator's address as people reach it, for links in the bot's comments. */
      publicUrl?: string;
    }
  | { isEnabled: false; reason: string };

const defaultApiUrl = 'https://api.github.com';
// GitHub recommends a high-entropy secret; a short one makes the signature guessable.
const minSecretLength = 16;

const appVariables = ['GITHUB_APP_ID', 'GITHUB_APP_PRIVATE_KEY', 'GITHUB_APP_INSTALLATION_ID'] as const;

/**
 * Reads `GITHUB_WEBHOOK_SECRET`, `GITHUB_TOKEN` or the GitHub App's `GITHUB_APP_ID`, `GITHUB_APP_PRIVATE_KEY`
 * and `GITHUB_APP_INSTALLATION_ID` (a token wins when both are set), `GITHUB_API_URL` and `SC_PUBLIC_URL`.
 * Never throws: the answer says why the feature is off.
 */
export function readGitHubConfig(env: NodeJS.ProcessEnv): GitHubConfig {
  const secret = env.GITHUB_WEBHOOK_SECRET?.trim();
  const token = env.GITHUB_TOKEN?.trim();
  const rawApiUrl = env.GITHUB_API_URL?.trim() || defaultApiUrl;
  const hasAppVariables = appVariables.some((name) => env[name]?.trim());
  if (!secret && !token && !hasAppVariables) return disabled('GITHUB_WEBHOOK_SECRET and GITHUB_TOKEN are not set');
  if (!secret) return disabled('GITHUB_WEBHOOK_SECRET is not set');
  if (secret.length < minSecretLength)
    return disabled(`GITHUB_WEBHOOK_SECRET: expected at least ${minSecretLength} characters, got ${secret.length}`);
  const auth = readAuth(env);
  if (typeof auth === 'string') return disabled(auth);
  const apiUrl = parseHttpUrl(rawApiUrl);
  if (!apiUrl)
    return disabled(
      `GITHUB_API_URL: expected an http(s) URL such as ${defaultApiUrl}, got ${JSON.stringify(rawApiUrl)}`,
    );
  const rawPublicUrl = env.SC_PUBLIC_URL?.trim();
  const publicUrl = rawPublicUrl ? parseHttpUrl(rawPublicUrl) : undefined;
  if (rawPublicUrl && !publicUrl)
    return disabled(`SC_PUBLIC_URL: expected an http(s) URL, got ${JSON.stringify(rawPublicUrl)}`);
  return { isEnabled: true, webhookSecret: secret, apiUrl, auth, ...(publicUrl === undefined ? {} : { publicUrl }) };
}

/** A token, else the GitHub App's settings, else the one line that says what is missing or wrong. */
function readAuth(env: NodeJS.ProcessEnv): GitHubTokenAuth | GitHubAppAuth | string {
  const token = env.GITHUB_TOKEN?.trim();
  if (token) return { type: 'token', token };
  if (appVariables.some((name) => env[name]?.trim())) return readAppAuth(env);
  return 'GITHUB_TOKEN (or the GitHub App variables) is not set';
}

/** The GitHub App's settings, or the one line that says which is missing or wrong. */
function readAppAuth(env: NodeJS.ProcessEnv): GitHubAppAuth | string {
  const missing = appVariables.filter((name) => !env[name]?.trim());
  if (missing.length > 0) return `${missing.join(', ')} not set (a GitHub App needs all of ${appVariables.join(', ')})`;
  const appId = env.GITHUB_APP_ID!.trim();
  const installationId = env.GITHUB_APP_INSTALLATION_ID!.trim();
  if (!/^\d{1,12}$/.test(appId)) return `GITHUB_APP_ID: expected the App's numeric id, got ${JSON.stringify(appId)}`;
  if (!/^\d{1,12}$/.test(installationId))
    return `GITHUB_APP_INSTALLATION_ID: expected a numeric id, got ${JSON.stringify(installationId)}`;
  // Environment files often hold the PEM on one line with literal \n.
  const privateKey = env.GITHUB_APP_PRIVATE_KEY!.replace(/\\n/g, '\n').trim();
  try {
    createPrivateKey(privateKey);
  } catch {
    return "GITHUB_APP_PRIVATE_KEY: expected the App's private key in PEM (-----BEGIN RSA PRIVATE KEY-----…)";
  }
  return { type: 'app', appId: Number(appId), privateKey, installationId: Number(installationId) };
}

function disabled(reason: string): GitHubConfig {
  return { isEnabled: false, reason };
}

/** The URL without a trailing slash (Octokit appends `/repos/…`), or undefined when it is not http(s). */
function parseHttpUrl(raw: string): string | undefined {
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return raw.replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}
