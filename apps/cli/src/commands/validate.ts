import { Args, ux } from '@oclif/core';
import { BaseCommand } from '../base-command';
import { ExitCode } from '../errors';
import { loadPlugins, pluginsFlag } from '../plugin-discovery';
import { checkWorkOrderFile, formatLocatedIssue, type LocatedIssue } from '../workorder-file';

/** One file's verdict. */
export interface FileValidation {
  file: string;
  valid: boolean;
  issues: LocatedIssue[];
}

/** What `sc validate --json` prints. */
export interface ValidateResult {
  valid: boolean;
  files: FileValidation[];
}

export default class Validate extends BaseCommand<typeof Validate> {
  static override summary =
    "Check work-order files (JSON or YAML) against the work-order schema and this machine's plugins.";
  static override description = [
    'Prints every failing JSON path with its line. The plugin must be one this machine can run (built-ins, SC_PLUGINS,',
    'the "sc.plugins" list of ./package.json), and params must match the schema the plugin declares. Exits 2 when any file is invalid.',
  ].join(' ');
  static override examples = [
    '<%= config.bin %> validate examples/echo.json',
    '<%= config.bin %> validate wo/*.yaml --json',
  ];
  static override strict = false;
  static override args = {
    file: Args.string({ description: 'work-order file(s), .json, .yaml or .yml', required: true }),
  };
  static override flags = { plugins: pluginsFlag };

  async run(): Promise<ValidateResult> {
    const [registry, { checkWorkOrderPlugin }] = await Promise.all([
      loadPlugins(this.flags.plugins),
      import('@sc/runner'),
    ]);
    const results: FileValidation[] = [];
    for (const file of this.positionals) {
      const check = await checkWorkOrderFile(file, (order) => checkWorkOrderPlugin(registry, order));
      results.push({ file, valid: check.ok, issues: check.ok ? [] : check.issues });
      if (check.ok) this.log(`✓ ${file}`);
      else for (const issue of check.issues) this.log(`✗ ${formatLocatedIssue(file, issue)}`);
    }
    const invalid = results.filter((result) => !result.valid).length;
    if (invalid) {
      ux.stderr(`${invalid} of ${results.length} work-order file(s) invalid`);
      process.exitCode = ExitCode.Usage;
    }
    return { valid: invalid === 0, files: results };
  }
}
