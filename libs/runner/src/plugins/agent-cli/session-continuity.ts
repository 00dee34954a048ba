import type { PluginContext } from '@sc/plugin-sdk';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AgentCommand } from './agent-command';
import type { AgentTemplate } from './agent-templates';
import { readSessionRecord } from './session-records';
import type { Worktree } from './worktree';

/** A run of the agent that continues an earlier one. */
export interface Continuation {
  /** Said to the agent before anything else. */
  note: string;
  /** The session it continues, when there is one; without it the agent starts over (after the note). */
  sessionId?: string;
  /** The attempt whose session it continues, when that is another attempt. */
  fromAttempt?: number;
}

const sessionFile = 'session.json';

/**
 * How an agent of a new run starts: continuing a session — that of the attempt a retry resumes (its
 * transcripts fetched from the artifacts), that of a run of this same attempt whose worker was killed on this host
 * (its files still in the agent's scratch folder), or that of a run of this attempt stopped elsewhere or earlier (a
 * killed worker on another host, a rate limit's wait: its record and transcripts in this attempt's artifacts) — or
 * afresh (undefined). When a session cannot be continued (no transcript) the agent starts over and the log says why.
 */
export async function planContinuation(
  worktree: Worktree,
  command: AgentCommand,
  scratchDir: string,
  ctx: PluginContext,
): Promise<Continuation | undefined> {
  const { agent } = worktree;
  const template = command.template;
  if (!template) return undefined;
  const earlier = ctx.resumeFrom?.sessions.find((session) => session.agent === agent.name);
  if (earlier && ctx.resumeFrom) {
    const from = ctx.resumeFrom;
    const restored = await restoreTranscripts(
      agent.name,
      template,
      scratchDir,
      worktree.path,
      from.attempt,
      from.transcripts,
      ctx,
    );
    if (restored === 0) {
      ctx.logger.warn(
        { agent: agent.name, session_id: earlier.session_id, from_attempt: from.attempt },
        'session not resumed: attempt had no transcript kept; starting over',
      );
      return {
        note: `This is attempt ${ctx.attempt} of the Round. Your session of attempt ${from.attempt} could not be resumed, so you start over; the work committed so far is on this branch.`,
      };
    }
    return {
      note: `This is attempt ${ctx.attempt} of the Round, a retry: you continue your session of attempt ${from.attempt}. The work committed so far is on this branch; finish the work-order.`,
      sessionId: earlier.session_id,
      fromAttempt: from.attempt,
    };
  }
  const left = await sessionLeftBehind(scratchDir);
  if (left) return { note: workerStoppedNote, sessionId: left };
  const record = await readSessionRecord(agent.name, ctx);
  if (!record) return undefined;
  const restored = await restoreTranscripts(
    agent.name,
    template,
    scratchDir,
    worktree.path,
    ctx.attempt,
    record.transcripts,
    ctx,
  );
  if (restored === 0) {
    ctx.logger.warn(
      { agent: agent.name, session_id: record.session_id },
      'session not resumed: the run before kept no transcript; starting over',
    );
    return {
      note: 'Your earlier run of this work-order was stopped before its session was kept, so you start over; the work committed so far is on this branch.',
    };
  }
  return {
    note: record.stopped
      ? `Your run was stopped (${record.stopped}) and is resumed now. The work committed so far is on this branch; continue the work-order where you left off.`
      : workerStoppedNote,
    sessionId: record.session_id,
  };
}

const workerStoppedNote =
  'The worker running you stopped, and you are resumed. Changes you had not committed may be lost; the work committed so far is on this branch. Continue the work-order.';

/** Keeps the session id in the agent's scratch folder as soon as the CLI names it, for a run that takes over. */
export async function rememberSession(scratchDir: string, sessionId: string): Promise<void> {
  await writeFile(join(scratchDir, sessionFile), JSON.stringify({ session_id: sessionId }));
}

/** Removes the kept session id: the run ended, nothing is left to take over. */
export async function forgetSession(scratchDir: string): Promise<void> {
  await rm(join(scratchDir, sessionFile), { force: true });
}

/** The session a killed run of this attempt left in the scratch folder, or undefined. */
async function sessionLeftBehind(scratchDir: string): Promise<string | undefined> {
  const file = join(scratchDir, sessionFile);
  if (!existsSync(file)) return undefined;
  try {
    const { session_id: id } = JSON.parse(await readFile(file, 'utf8')) as { session_id?: unknown };
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Fetches transcripts of the agent kept by attempt `from` into its scratch folder; resolves how many it wrote. */
async function restoreTranscripts(
  agent: string,
  template: AgentTemplate,
  scratchDir: string,
  cwd: string,
  from: number,
  transcripts: string[],
  ctx: PluginContext,
): Promise<number> {
  const prefix = `sessions/${agent}/`;
  let restored = 0;
  for (const name of transcripts) {
    if (!name.startsWith(prefix)) continue;
    const bytes = await ctx.readArtifact(from, name);
    if (!bytes) continue;
    const path = name.slice(prefix.length);
    const target = join(scratchDir, template.transcripts, template.restoredPath?.(path, cwd) ?? path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, bytes);
    restored++;
  }
  return restored;
}
