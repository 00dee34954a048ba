/** How the orchestrator talks to GitHub: a token (personal, fine-grained or an Actions token). */
export interface GitHubTokenAuth {
  type: 'token';
  token: string;
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
      auth: GitHubTokenAuth;
      /** `SC_PUBLIC_URL`: the orchestrator's address as people reach it, for links in the bot's comments. */
      publicUrl?: string;
    }
  | { isEnabled: false; reason: string };

const defaultApiUrl = 'https://api.github.com';
// GitHub recommends a high-entropy secret; a short one makes the signature guessable.
const minSecretLength = 16;

/**
 * Reads `GITHUB_WEBHOOK_SECRET`, `GITHUB_TOKEN`, `GITHUB_API_URL`, `SC_PUBLIC_URL` (and notices the GitHub App variables).
 * Never throws: the answer says why the feature is off.
 */
export function readGitHubConfig(env: NodeJS.ProcessEnv): GitHubConfig {
  const secret = env.GITHUB_WEBHOOK_SECRET?.trim();
  const token = env.GITHUB_TOKEN?.trim();
  const rawApiUrl = env.GITHUB_API_URL?.trim() || defaultApiUrl;
  const hasAppVariables = ['GITHUB_APP_ID', 'GITHUB_APP_PRIVATE_KEY', 'GITHUB_APP_INSTALLATION_ID'].some((name) => env[name]?.trim());
  if (!secret && !token && !hasAppVariables) return disabled('GITHUB_WEBHOOK_SECRET and GITHUB_TOKEN are not set');
  if (!secret) return disabled('GITHUB_WEBHOOK_SECRET is not set');
  if (secret.length < minSecretLength) return disabled(`GITHUB_WEBHOOK_SECRET: expected at least ${minSecretLength} characters, got ${secret.length}`);
  if (!token) {
    // TODO(#10): GitHub App authentication (GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY, GITHUB_APP_INSTALLATION_ID).
    return disabled(hasAppVariables ? 'GitHub App authentication is not supported yet; set GITHUB_TOKEN' : 'GITHUB_TOKEN is not set');
  }
  const apiUrl = parseHttpUrl(rawApiUrl);
  if (!apiUrl) return disabled(`GITHUB_API_URL: expected an http(s) URL such as ${defaultApiUrl}, got ${JSON.stringify(rawApiUrl)}`);
  const rawPublicUrl = env.SC_PUBLIC_URL?.trim();
  const publicUrl = rawPublicUrl ? parseHttpUrl(rawPublicUrl) : undefined;
  if (rawPublicUrl && !publicUrl) return disabled(`SC_PUBLIC_URL: expected an http(s) URL, got ${JSON.stringify(rawPublicUrl)}`);
  return { isEnabled: true, webhookSecret: secret, apiUrl, auth: { type: 'token', token }, ...(publicUrl === undefined ? {} : { publicUrl }) };
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
