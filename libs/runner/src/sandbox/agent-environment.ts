// What an agent's process may see of the worker's environment: the names a shell and a build need, never a
// credential. The operator adds names with SC_AGENT_ENV (e.g. a company proxy's or CA bundle's).
const allowedNames = [
  'PATH',
  'LANG',
  'LANGUAGE',
  'TERM',
  'COLORTERM',
  'TZ',
  'USER',
  'LOGNAME',
  'SHELL',
  'NO_COLOR',
  'FORCE_COLOR',
];
const allowedPattern = /^LC_[A-Z]+$/;
const namePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The names of `SC_AGENT_ENV` (comma-separated); throws one line naming a malformed one. */
export function parseAgentEnvNames(value: string | undefined): string[] {
  const names = (value ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const bad = names.find((name) => !namePattern.test(name));
  if (bad !== undefined)
    throw new Error(`SC_AGENT_ENV: expected variable names separated by commas, got ${JSON.stringify(bad)}`);
  return names;
}

/**
 * The environment of an agent's process, in the form `exec` takes (every other variable of the worker set to
 * undefined, so that it is removed): the allowed names the worker has, the operator's `extraNames`, `HOME`, and
 * what the plugin passes itself (`own`: the CLI's settings, `SC_*` of its Round).
 */
export function agentEnvironment(
  workerEnv: NodeJS.ProcessEnv,
  extraNames: readonly string[],
  own: Record<string, string | undefined>,
  home: string,
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const name of Object.keys(workerEnv)) env[name] = undefined;
  for (const [name, value] of Object.entries(workerEnv)) {
    if (allowedNames.includes(name) || allowedPattern.test(name) || extraNames.includes(name)) env[name] = value;
  }
  return { ...env, HOME: home, ...own };
}
