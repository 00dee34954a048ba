import type { LogEvent, WorkOrderJob } from '@sc/schemas';
import pino from 'pino';
import type { ArtifactStore } from './artifacts/artifact-store';
import { createPhaseContext } from './phase-context';
import { SandboxRuntime } from './sandbox/sandbox-runtime';
import { TokenLedger } from './token-ledger';

describe(createPhaseContext.name, () => {
  const job: WorkOrderJob = {
    round_id: 'round-1',
    workorder_id: 'wo-1',
    attempt: 1,
    order: {
      id: 'wo-1',
      title: 'T',
      instructions: 'I',
      plugin: 'echo',
      branch: 'feat/x',
      phases: ['coding'],
      priority: 5,
    },
  };

  function contextWithEvents() {
    const events: LogEvent[] = [];
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const ctx = createPhaseContext({
      job,
      phase: 'coding',
      signal: new AbortController().signal,
      logger,
      artifacts: {} as ArtifactStore,
      ledger: new TokenLedger(undefined),
      onArtifact: () => undefined,
      onLog: (event) => events.push(event),
      dataDir: '/tmp',
      sandbox: SandboxRuntime.load({ SC_AGENT_SANDBOX: 'off' }, '/tmp'),
    });
    return { ctx, events, lines };
  }

  it('cuts a plugin log line of megabytes to 8 KiB, in the log and in the event', () => {
    const { ctx, events, lines } = contextWithEvents();
    ctx.logger.info('y'.repeat(5_000_000));
    expect(events).toEqual([expect.objectContaining({ level: 'info', message: `${'y'.repeat(8 * 1024)}…` })]);
    expect((JSON.parse(lines[0]) as { msg: string }).msg).toBe(`${'y'.repeat(8 * 1024)}…`);
  });

  it('streams the first 1000 lines of a phase, then one warning; the log keeps them all', () => {
    const { ctx, events, lines } = contextWithEvents();
    for (let index = 0; index < 5_000; index++) ctx.logger.info({ index }, 'line');
    expect(events).toHaveLength(1_001);
    expect(events[1_000]).toMatchObject({
      level: 'warn',
      message: "more than 1000 log lines in phase coding: the rest is in the worker's log only",
    });
    expect(lines).toHaveLength(5_000);
  });

  it('names the agent a line is about in its event, when the plugin named one', () => {
    const { ctx, events } = contextWithEvents();
    ctx.logger.info({ agent: 'claude' }, 'agent started');
    ctx.logger.info({ agent: 42 }, 'not an agent name');
    expect(events.map((event) => event.agent)).toEqual(['claude', undefined]);
  });
});
