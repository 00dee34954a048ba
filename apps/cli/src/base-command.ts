import { Command, Flags, ux, type Interfaces } from '@oclif/core';
import { ApiClient } from './api-client';
import { describeError, ExitCode, isExitRequest } from './errors';
import { followRoundToReport, type RoundOutcome } from './round-follower';
import { formatOutcome, formatRoundEvent } from './round-format';

/** The flags of a command class, including the base command's. */
export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>;
/** The arguments of a command class. */
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

// 128 + SIGINT, what a shell reports for a command stopped by Ctrl-C.
const interruptedExitCode = 130;

/** Where the CLI looks for the orchestrator when neither `--api-url` nor `SC_API_URL` says otherwise. */
export const DefaultApiUrl = 'http://127.0.0.1:3000';

/**
 * The parent of every `sc` command. `run()` returns the command's result: with `--json` oclif prints it as the
 * only thing on stdout; without it, the command has already printed text with `this.log` (which `--json`
 * silences). Errors become one line on stderr (a stack only with `DEBUG` set) and exit 1 or 2.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    'api-url': Flags.string({
      summary: 'Orchestrator URL.',
      env: 'SC_API_URL',
      default: DefaultApiUrl,
      helpGroup: 'GLOBAL',
    }),
  };

  protected flags!: CommandFlags<T>;
  protected args!: CommandArgs<T>;
  /** Every positional argument, in order (commands with `strict = false` take a list of them). */
  protected positionals!: string[];
  private client?: ApiClient;

  override async init(): Promise<void> {
    await super.init();
    const { args, argv, flags } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as CommandFlags<T>;
    this.args = args as CommandArgs<T>;
    this.positionals = argv as string[];
  }

  /** The orchestrator client, from `--api-url`/`SC_API_URL` and the `SC_API_TOKEN` environment variable. */
  protected get api(): ApiClient {
    this.client ??= new ApiClient({ baseUrl: this.flags['api-url'], token: process.env.SC_API_TOKEN || undefined });
    return this.client;
  }

  /** Ends with exit code 1 after the result is printed: the command worked, the work it reports did not. */
  protected markFailed(): void {
    process.exitCode = ExitCode.Failed;
  }

  /**
   * Follows a Round until it ends (`submit --wait`, `rounds watch`): a spinner with its state, one line per
   * event, then its outcome; the command exits 1 unless the Round succeeded.
   */
  protected async watchRound(roundId: string, state?: string): Promise<RoundOutcome> {
    // Only a terminal gets the spinner: elsewhere (CI logs, a pipe) oclif writes its updates as text that runs
    // together on one line, and the event lines already say what happens.
    const hasSpinner = !this.jsonEnabled() && process.stderr.isTTY === true;
    if (hasSpinner) ux.action.start(`Round ${roundId}`, state);
    // Ctrl-C ends the watch, not the Round: say so, and how to get back to it.
    const onInterrupt = () => {
      if (hasSpinner) ux.action.stop('still going');
      ux.stderr(
        `Round ${roundId} goes on; follow it with "${this.config.bin} rounds watch ${roundId}", cancel it with "${this.config.bin} rounds cancel ${roundId}"`,
      );
      process.exit(interruptedExitCode);
    };
    process.once('SIGINT', onInterrupt);
    let outcome: RoundOutcome;
    try {
      outcome = await followRoundToReport(this.api, roundId, {
        onEvent: (event) => {
          if (hasSpinner && event.type === 'transition') ux.action.status = event.to;
          this.log(formatRoundEvent(event));
        },
      });
    } finally {
      process.off('SIGINT', onInterrupt);
    }
    if (hasSpinner) ux.action.stop(outcome.round.state);
    formatOutcome(outcome).forEach((line) => this.log(line));
    if (outcome.report?.status !== 'success') this.markFailed();
    return outcome;
  }

  override async catch(error: Error & { exitCode?: number }): Promise<never> {
    if (isExitRequest(error)) throw error;
    const outcome = describeError(error);
    try {
      ux.action.stop('failed');
    } catch {
      // No spinner was running.
    }
    ux.stderr(outcome.line);
    if (process.env.DEBUG && error instanceof Error && error.stack) ux.stderr(error.stack);
    if (this.jsonEnabled()) this.logJson(outcome.json);
    // this.exit() throws oclif's ExitError, which its handler turns into the exit code without printing anything.
    return this.exit(outcome.exitCode);
  }
}
