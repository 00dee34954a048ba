import type { Hook } from '@oclif/core';
import { suggestCommands } from '../command-suggestions';
import { ExitCode } from '../errors';

/**
 * oclif's `command_not_found` hook: one line on stderr naming what was typed and the closest commands, exit 2
 * (a usage error, like an unknown flag). Our own hook, not @oclif/plugin-not-found: README.md says why.
 */
const hook: Hook.CommandNotFound = async function ({ id, config }) {
  const spell = (commandId: string) => `${config.bin} ${commandId.replaceAll(':', ' ')}`;
  const { typed, suggestions } = suggestCommands(id, config.commandIDs);
  const hint =
    suggestions.length === 0
      ? `see ${config.bin} --help`
      : `did you mean ${suggestions.map((commandId) => `"${spell(commandId)}"`).join(' or ')}?`;
  process.stderr.write(`unknown command "${spell(typed)}"; ${hint}\n`);
  this.exit(ExitCode.Usage);
};

export default hook;
