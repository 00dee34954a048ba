import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, YAMLSeq } from 'yaml';

/** The repository root, where docker-compose.yml and the Dockerfile live. */
export const repoRoot = resolve(__dirname, '..');
export const composeFilePath = join(repoRoot, 'docker-compose.yml');

/** The parts of a compose service that the deploy test and the smoke run read. */
export interface ComposeService {
  image?: string;
  build?: { context: string; target?: string };
  command?: string[] | string;
  entrypoint?: string[] | string;
  container_name?: string;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | Record<string, unknown>)[];
  expose?: (string | number)[];
  volumes?: (string | Record<string, unknown>)[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] | string; disable?: boolean };
  deploy?: { replicas?: number };
  security_opt?: string[];
}

/** A compose file as Docker Compose sees it. */
export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/**
 * `${VAR:-default}`, `${VAR-default}`, `${VAR}` and `$$` as Compose interpolates them, from `vars` (none by
 * default: what a plain `docker compose up` without `.env` gets). `${VAR:?message}` fails like Compose does.
 */
export function interpolate(text: string, vars: Record<string, string | undefined> = {}): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g,
    (match, name: string | undefined, colon: string, op: string, arg: string) => {
      if (match === '$$') return '$';
      const value = vars[name!];
      const isMissing = value === undefined || (colon === ':' && value === '');
      if (!isMissing) return value;
      if (op === '?') throw new Error(`${name}: ${arg || 'required'}`);
      return op === '-' ? arg : '';
    },
  );
}

/** Compose's `!reset []` in an override file: the list replaces the base file's instead of adding to it. */
const resetTag = { tag: '!reset', collection: 'seq' as const, nodeClass: YAMLSeq, resolve: (seq: YAMLSeq) => seq };

/**
 * Reads docker-compose.yml, or another compose file (YAML merge keys and `!reset` included), with every `${…}`
 * interpolated from `vars`.
 */
export function readComposeFile(path = composeFilePath, vars: Record<string, string | undefined> = {}): ComposeFile {
  const raw = readFileSync(path, 'utf8');
  return parse(interpolate(raw, vars), { merge: true, customTags: [resetTag] }) as ComposeFile;
}

/** A service's `environment`, map or list form, as the strings the process gets. */
export function serviceEnvironment(service: ComposeService): Record<string, string> {
  const environment = service.environment ?? {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(environment.map((entry) => [entry.split('=')[0], entry.slice(entry.indexOf('=') + 1)]));
  }
  return Object.fromEntries(
    Object.entries(environment).map(([key, value]) => [key, value === null ? '' : String(value)]),
  );
}

/** A service's `command` as argv (the exec form is what this repository's compose file uses). */
export function serviceCommand(service: ComposeService): string[] {
  if (!Array.isArray(service.command))
    throw new Error(`expected the exec form of command, got ${JSON.stringify(service.command)}`);
  return service.command;
}

/** The `ENV`, `CMD` and `EXPOSE` lines of each stage of the Dockerfile, by stage name. */
export interface DockerStage {
  from: string;
  env: Record<string, string>;
  cmd?: string[];
  expose: string[];
}

/** Reads the stages of the Dockerfile; `ENV` of a base stage is inherited by the stages built `FROM` it. */
export function readDockerStages(path = join(repoRoot, 'Dockerfile')): Record<string, DockerStage> {
  const text = readFileSync(path, 'utf8').replace(/\\\n/g, ' ');
  const stages: Record<string, DockerStage> = {};
  let current: DockerStage | undefined;
  for (const line of text.split('\n').map((l) => l.trim())) {
    const from = /^FROM\s+(\S+)\s+AS\s+(\S+)/i.exec(line);
    if (from) {
      const base = stages[from[1]];
      current = {
        from: from[1],
        env: { ...(base?.env ?? {}) },
        expose: [...(base?.expose ?? [])],
        ...(base?.cmd ? { cmd: base.cmd } : {}),
      };
      stages[from[2]] = current;
      continue;
    }
    if (!current) continue;
    const env = /^ENV\s+(.*)$/i.exec(line);
    if (env) for (const [, key, value] of env[1].matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S+)/g)) current.env[key] = value;
    const cmd = /^CMD\s+(\[.*\])$/i.exec(line);
    if (cmd) current.cmd = JSON.parse(cmd[1]) as string[];
    const expose = /^EXPOSE\s+(.*)$/i.exec(line);
    if (expose) current.expose.push(...expose[1].split(/\s+/));
  }
  return stages;
}
