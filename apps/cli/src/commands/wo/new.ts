import { Flags } from '@oclif/core';
import type { WorkOrder } from '@sc/schemas';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { BaseCommand } from '../../base-command';
import { UsageError } from '../../errors';

/** What `sc wo new --json` prints: the file written (none with --out -) and the work-order. */
export interface NewWorkOrderResult {
  file: string | null;
  order: WorkOrder;
}

export default class WoNew extends BaseCommand<typeof WoNew> {
  static override summary =
    'Write a new work-order file from flags, asking for what is missing when a terminal is attached.';
  static override description =
    'The result is validated against the work-order schema before it is written. --out - prints it instead.';
  static override examples = [
    '<%= config.bin %> wo new',
    '<%= config.bin %> wo new --title "Say hello" --instructions "Echo this back" --plugin echo --out hello.json',
    '<%= config.bin %> wo new --title "Fix signup" --instructions "…" --label frontend --phase coding --phase testing --out wo.yaml',
  ];
  static override flags = {
    title: Flags.string({ char: 't', summary: 'What the work-order is about (one line).' }),
    instructions: Flags.string({ char: 'i', summary: 'What to do, for the agents.' }),
    plugin: Flags.string({ char: 'p', summary: 'The plugin that runs it.', default: 'echo' }),
    'repo-path': Flags.string({ summary: 'Local repository to work on.' }),
    'repo-url': Flags.string({ summary: 'Repository URL to work on.', exclusive: ['repo-path'] }),
    phase: Flags.string({ summary: 'A phase, in order (repeat the flag); default coding, testing.', multiple: true }),
    label: Flags.string({ summary: 'A label (repeat the flag).', multiple: true }),
    priority: Flags.integer({ summary: '1 (most urgent) to 10.', min: 1, max: 10 }),
    'max-tokens': Flags.integer({ summary: 'Token budget.', min: 1 }),
    out: Flags.string({
      char: 'o',
      summary: 'File to write (.json, .yaml or .yml), or - for stdout.',
      default: 'workorder.json',
    }),
    force: Flags.boolean({ char: 'f', summary: 'Overwrite the file if it exists.' }),
  };

  async run(): Promise<NewWorkOrderResult> {
    const title = this.flags.title ?? (await this.ask('Title'));
    const instructions = this.flags.instructions ?? (await this.ask('Instructions'));
    const { validateWorkOrder, formatIssues, WorkOrderSchemaVersion } = await import('@sc/schemas');
    const order = this.buildOrder(WorkOrderSchemaVersion, title, instructions);
    const checked = validateWorkOrder(order);
    if (!checked.ok) throw new UsageError(`the work-order would be invalid: ${formatIssues(checked.issues)}`);
    const out = this.flags.out;
    const text = await serialise(order, out);
    if (out === '-') {
      this.log(text.trimEnd());
      return { file: null, order };
    }
    await writeFile(out, text, { flag: this.flags.force ? 'w' : 'wx' }).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(
        error.code === 'EEXIST'
          ? `${out} exists; pass --force to overwrite it`
          : `${out}: cannot write (${error.code ?? error.message})`,
      );
    });
    this.log(`Wrote ${out}; next: sc validate ${out} && sc submit ${out} --wait`);
    return { file: out, order };
  }

  private buildOrder(schemaVersion: string, title: string, instructions: string): WorkOrder {
    const { flags } = this;
    const order: WorkOrder = { schema_version: schemaVersion, title, instructions, plugin: flags.plugin };
    if (flags['repo-path']) order.repo = { path: flags['repo-path'] };
    if (flags['repo-url']) order.repo = { url: flags['repo-url'] };
    if (flags.phase?.length) order.phases = flags.phase as [string, ...string[]];
    if (flags.label?.length) order.labels = flags.label;
    if (flags.priority !== undefined) order.priority = flags.priority;
    if (flags['max-tokens'] !== undefined) order.budget = { max_tokens: flags['max-tokens'] };
    return order;
  }

  /** Asks on the terminal; without one (a script, CI) a missing flag is a usage error rather than a hang. */
  private async ask(label: string): Promise<string> {
    const flag = `--${label.toLowerCase()}`;
    if (!process.stdin.isTTY || this.jsonEnabled())
      throw new UsageError(`${flag} is required when no terminal is attached`);
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = (await prompt.question(`${label}: `)).trim();
      if (!answer) throw new UsageError(`${flag} must not be empty`);
      return answer;
    } finally {
      prompt.close();
    }
  }
}

async function serialise(order: WorkOrder, out: string): Promise<string> {
  if (/\.ya?ml$/i.test(out)) {
    const { stringify } = await import('yaml');
    return stringify(order);
  }
  return `${JSON.stringify(order, null, 2)}\n`;
}
