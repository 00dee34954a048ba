import type { PluginContext } from '@sc/plugin-sdk';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { AgentTemplate } from './agent-templates';

/**
 * An agent's session as the attempt's artifacts keep it (`sessions/<agent>.json`, beside its transcripts under
 * `sessions/<agent>/`): whatever runs this attempt next — the worker taking over from a killed one on any host,
 * or the run after a rate limit's wait — continues it from there.
 */
export interface SessionRecord {
  session_id: string;
  /** The phase the session belongs to: a later phase of the attempt starts a session of its own. */
  phase: string;
  /** The transcript artifacts of the session, as kept last. */
  transcripts: string[];
  /** Why the run stopped, when it was stopped (a rate limit's wait, a worker's shutdown); absent when it was killed. */
  stopped?: string;
}

/** A session, where its CLI keeps it: the agent's scratch folder and the template's transcripts folder in it. */
export interface LiveSession {
  agent: string;
  template: AgentTemplate;
  scratchDir: string;
  sessionId: string;
}

// At most one checkpoint of a session this often while it runs: transcripts are re-sent whole each time.
const checkpointEveryMs = 10_000;

const recordName = (agent: string) => `sessions/${agent}.json`;

/**
 * Stores the session's transcript files (under the template's transcripts folder, their names holding the session
 * id or, for Gemini CLI, its first 8 characters) as artifacts `sessions/<agent>/<path there>`, then its record.
 * Resolves the transcripts' artifact names.
 */
export async function keepSession(session: LiveSession, ctx: PluginContext, stopped?: string): Promise<string[]> {
  const root = join(session.scratchDir, session.template.transcripts);
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  const transcripts: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.includes(session.sessionId.slice(0, 8))) continue;
    const file = join(entry.parentPath, entry.name);
    const name = `sessions/${session.agent}/${relative(root, file)}`;
    await ctx.writeArtifact(name, await readFile(file));
    transcripts.push(name);
  }
  const record: SessionRecord = {
    session_id: session.sessionId,
    phase: ctx.phase,
    transcripts,
    ...(stopped ? { stopped } : {}),
  };
  await ctx.writeArtifact(recordName(session.agent), JSON.stringify(record));
  return transcripts;
}

/** The record this attempt's artifacts hold of the agent's session in the current phase, if any. */
export async function readSessionRecord(agent: string, ctx: PluginContext): Promise<SessionRecord | undefined> {
  const bytes = await ctx.readArtifact(ctx.attempt, recordName(agent)).catch(() => undefined);
  if (!bytes) return undefined;
  try {
    const record = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<SessionRecord>;
    const isRecord =
      typeof record.session_id === 'string' &&
      record.session_id !== '' &&
      record.phase === ctx.phase &&
      Array.isArray(record.transcripts) &&
      record.transcripts.every((name) => typeof name === 'string');
    return isRecord ? (record as SessionRecord) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Keeps a running session in the attempt's artifacts as it grows — at once when its id is known, then at most
 * every {@link checkpointEveryMs} while the agent is active — so that a worker killed on one host leaves a
 * session the worker taking over on another can continue. Checkpoints never overlap; a failed one is logged.
 */
export class SessionCheckpoints {
  private session: LiveSession | undefined;
  private lastAt = 0;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly ctx: PluginContext) {}

  /** The CLI named its session: checkpoints start (again, for a new session). */
  begin(session: LiveSession): void {
    this.session = session;
    this.stopped = false;
    this.lastAt = 0;
    this.request();
  }

  /** The agent did something: keep the session soon. */
  request(): void {
    if (!this.session || this.stopped || this.timer) return;
    const wait = Math.max(0, this.lastAt + checkpointEveryMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.checkpoint();
    }, wait);
    this.timer.unref();
  }

  /** The run ended: no more checkpoints; resolves once the last one finished (the caller keeps the session then). */
  async end(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async checkpoint(): Promise<void> {
    const session = this.session;
    if (!session || this.stopped) return;
    // One at a time: a request made while one is under way is kept after it.
    if (this.running) return this.request();
    this.lastAt = Date.now();
    this.running = keepSession(session, this.ctx)
      .then(() => undefined)
      .catch((error: Error) =>
        this.ctx.logger.warn({ agent: session.agent, reason: error.message }, 'session checkpoint failed'),
      )
      .finally(() => (this.running = undefined));
    await this.running;
  }
}
