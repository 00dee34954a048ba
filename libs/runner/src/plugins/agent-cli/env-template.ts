/** Where the repository keeps the template of each agent's `.env`. */
export const envTemplateFile = '.sc/env.template';

/** The values an `.sc/env.template` may use, each as `${NAME}`. */
export interface EnvTemplateValues {
  SC_PORT_BASE: number;
  SC_PORT_COUNT: number;
  SC_ROUND_ID: string;
  SC_AGENT: string;
  SC_WORKORDER_ID: string;
}

// Only SC_ names are placeholders: any other `${NAME}` is left for the tools that read the .env (dotenv-expand,
// docker compose), which give it a meaning of their own.
const placeholder = /\$\{(SC_[A-Za-z0-9_]*)(?:\+(\d{1,5}))?\}/g;

/**
 * The `.env` of one agent from the repository's template: `${SC_PORT_BASE}`, `${SC_PORT_BASE+<n>}` (the n-th
 * port of the agent's block, n below `SC_PORT_COUNT`), `${SC_PORT_COUNT}`, `${SC_ROUND_ID}`, `${SC_AGENT}` and
 * `${SC_WORKORDER_ID}` replaced. The template is outside input: an unknown `${SC_…}`, a port past the block or
 * a file that is not text throws, naming the file and line.
 */
export function renderEnvTemplate(template: Buffer, values: EnvTemplateValues): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(template);
  } catch {
    throw new Error(`${envTemplateFile}: not UTF-8 text`);
  }
  if (text.includes('\u0000')) throw new Error(`${envTemplateFile}: not a text file (it holds NUL bytes)`);
  return text
    .split('\n')
    .map((line, index) =>
      line.replace(placeholder, (match, name: string, offset: string | undefined) => {
        const at = `${envTemplateFile} line ${index + 1}`;
        if (!(name in values))
          throw new Error(
            `${at}: unknown placeholder ${match} (known: ${Object.keys(values)
              .map((known) => `\${${known}}`)
              .join(', ')}, \${SC_PORT_BASE+<n>})`,
          );
        if (offset === undefined) return String(values[name as keyof EnvTemplateValues]);
        if (name !== 'SC_PORT_BASE') throw new Error(`${at}: ${match}: only SC_PORT_BASE takes +<n>`);
        if (Number(offset) >= values.SC_PORT_COUNT)
          throw new Error(`${at}: ${match} is past the agent's ${values.SC_PORT_COUNT} ports (SC_PORT_COUNT)`);
        return String(values.SC_PORT_BASE + Number(offset));
      }),
    )
    .join('\n');
}
