import { definePlugin, SDK_API_VERSION, type PluginContext } from '@sc/plugin-sdk';
import type { StoredWorkOrder } from '@sc/schemas';

// Each command's output kept in the phase's log artifact is capped, so a chatty build cannot fill the disk.
const maxOutputChars = 256 * 1024;

/**
 * Runs shell command lines in the work-order's `repo.path`: `params.commands` in every phase but
 * `testing`, and the `acceptance` commands in `testing`. Output lines go to the Round's log, the (capped)
 * output of the phase to the artifact `<phase>.log`; the first command that exits non-zero fails the phase
 * with its exit code.
 */
export const shellPlugin = definePlugin({
  name: 'shell',
  version: '1.0.0',
  apiVersion: SDK_API_VERSION,
  description: 'Runs params.commands, then the acceptance commands in the testing phase, in repo.path.',
  // Other params stay allowed: the GitHub integration adds `params.github` to every work-order it makes.
  paramsSchema: {
    type: 'object',
    properties: {
      commands: {
        description: 'Command lines run in order, through sh.',
        type: 'array',
        items: { type: 'string', minLength: 1 },
      },
    },
  },
  async handle(order, ctx) {
    const commands = commandsOf(order, ctx.phase);
    const transcript: string[] = [];
    let exitCode: number | null = 0;
    for (const command of commands) {
      const result = await ctx.exec(command, {
        cwd: order.repo?.path,
        tailChars: maxOutputChars,
        onStdout: (line) => ctx.logger.info({ stream: 'stdout', command }, line),
        onStderr: (line) => ctx.logger.warn({ stream: 'stderr', command }, line),
      });
      exitCode = result.exitCode;
      transcript.push(
        `$ ${command}\n${result.stdoutTail}${result.stderrTail}[exit ${result.exitCode ?? result.signal}]\n`,
      );
      if (exitCode !== 0) break;
    }
    if (commands.length > 0) await ctx.writeArtifact(`${ctx.phase}.log`, transcript.join('\n'));
    const ran = `${transcript.length} of ${commands.length} command(s)`;
    return exitCode === 0
      ? { summary: `${ctx.phase}: ${ran} passed`, exitCode }
      : { summary: `${ctx.phase}: ${ran} run, the last exited ${exitCode}`, exitCode, status: 'failure' };
  },
});

function commandsOf(order: StoredWorkOrder, phase: PluginContext['phase']): string[] {
  if (phase === 'testing') return order.acceptance ?? [];
  const commands = order.params?.commands;
  if (commands === undefined) return [];
  if (!Array.isArray(commands) || !commands.every((command) => typeof command === 'string'))
    throw new Error('params.commands must be a list of command lines');
  return commands;
}
