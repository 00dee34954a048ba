import { spawnSync } from 'node:child_process';

/** One sample line of the Prometheus text format: `name{label="value",…} 12.5`. */
export interface PrometheusSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const samplePattern = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a `/metrics` answer; comments (`# HELP`, `# TYPE`) and blank lines are skipped. */
export function parsePrometheusText(text: string): PrometheusSample[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = samplePattern.exec(line.trim());
      if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, key, raw] of (match[2] ?? '').matchAll(labelPattern))
        labels[key] = raw.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

/** The value of the sample `name` whose labels include `labels`; 0 when there is none yet (a counter not touched). */
export function sampleValue(
  samples: readonly PrometheusSample[],
  name: string,
  labels: Record<string, string> = {},
): number {
  const found = samples.find(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  return found?.value ?? 0;
}

/** Metric family names declared by `# TYPE` lines (histograms once, without `_bucket`/`_sum`/`_count`). */
export function metricFamilies(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) \S+$/gm)].map((match) => match[1]));
}

/** Whether Debian's `promtool` (package `prometheus`) is on PATH; tests that need it skip without it. */
export const hasPromtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;

/** Test title suffix that says why a promtool test did not run. */
export const promtoolSkipReason = hasPromtool ? '' : ' [SKIPPED: promtool not found; apt-get install -y prometheus]';

/** Runs `promtool <args>` (stdin `input` when given) and returns its exit code and output. */
export function promtool(args: string[], input?: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { input, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
