import { Args, Flags } from '@oclif/core';
import type { RoundEvent } from '@sc/schemas';
import { BaseCommand } from '../../base-command';
import { resolveRoundId } from '../../round-id';
import { formatRoundEvent } from '../../round-format';

export default class RoundsLogs extends BaseCommand<typeof RoundsLogs> {
  static override summary =
    "Print a Round's history: transitions, phase events and log lines, in the order they happened.";
  static override description =
    'Prints what the orchestrator stored, also for a finished Round, and exits; with --follow, goes on with what comes until the Round ends. A Round keeps its first 1000 and last 1000 log lines: one line says how many were cut between. --phase and --agent show only the phase events and log lines of that phase or agent.';
  static override examples = [
    '<%= config.bin %> rounds logs 0193…',
    '<%= config.bin %> rounds logs 0193… --follow --phase coding --agent claude',
  ];
  static override args = {
    id: Args.string({ description: 'Round id, or a unique prefix of it', required: true }),
  };
  static override flags = {
    follow: Flags.boolean({ char: 'f', summary: 'Keep printing until the Round ends.' }),
    phase: Flags.string({ summary: 'Only this phase.' }),
    agent: Flags.string({ summary: "Only this agent's log lines." }),
  };

  async run(): Promise<RoundEvent[]> {
    const { phase, agent, follow } = this.flags;
    const shown: RoundEvent[] = [];
    for await (const event of this.api.streamRoundEvents(
      await resolveRoundId(this.api, this.args.id),
      undefined,
      follow === true,
    )) {
      if (!isShown(event, phase, agent)) continue;
      shown.push(event);
      this.log(formatRoundEvent(event));
    }
    return shown;
  }
}

/** With a filter, transitions are left out, and with an agent, phase events too (they belong to no agent). */
function isShown(event: RoundEvent, phase: string | undefined, agent: string | undefined): boolean {
  if (phase === undefined && agent === undefined) return true;
  if (event.type === 'transition') return false;
  if (phase !== undefined && event.phase !== phase) return false;
  return agent === undefined || (event.type === 'log' && event.agent === agent);
}
