/** One column of a {@link formatTable} table. */
export interface TableColumn {
  header: string;
  /** Narrowest width its cells may be cut to (ending in …) when the table is wider than the terminal; without it, never cut. */
  minWidth?: number;
  /** Left out when the table fits no other way; the column with the lowest number goes first. */
  dropOrder?: number;
}

// Two spaces between columns and no borders, as gh, docker and kubectl print tables.
const gap = '  ';
// What a table is fitted to when stdout is no terminal and $COLUMNS says nothing.
const defaultWidth = 80;

/** The width to fit tables in: the terminal's, else `$COLUMNS` (which shells export), else 80. */
export function terminalWidth(): number {
  if (process.stdout.isTTY && process.stdout.columns > 0) return process.stdout.columns;
  const columns = Number(process.env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : defaultWidth;
}

/**
 * `rows` under a header line, fitted to `width`: the rightmost cuttable column is cut first, down to its
 * `minWidth`, then the next; when that is not enough, columns are left out by `dropOrder` and the fitting starts
 * again. A table that still does not fit is printed as narrow as it gets. cli-table3 loads here, not with the
 * command module.
 */
export async function formatTable(
  columns: readonly TableColumn[],
  rows: readonly string[][],
  width = terminalWidth(),
): Promise<string> {
  const cells = rows.map((row) => row.map((cell) => cell.replace(/\s+/g, ' ')));
  const natural = columns.map((column, i) =>
    Math.max(textWidth(column.header), ...cells.map((row) => textWidth(row[i]))),
  );
  const { shown, widths } = fit(columns, natural, width);
  const { default: Table } = await import('cli-table3');
  const table = new Table({
    head: shown.map((i) => columns[i].header),
    colWidths: shown.map((i) => widths[i]),
    chars: borderless,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  for (const row of cells) table.push(shown.map((i) => row[i]));
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

function fit(
  columns: readonly TableColumn[],
  natural: readonly number[],
  width: number,
): { shown: number[]; widths: number[] } {
  const droppable = columns
    .map((column, i) => ({ i, order: column.dropOrder }))
    .filter((column): column is { i: number; order: number } => column.order !== undefined)
    .sort((a, b) => a.order - b.order)
    .map(({ i }) => i);
  let shown = columns.map((_, i) => i);
  for (;;) {
    const widths = [...natural];
    let excess = shown.reduce((sum, i) => sum + widths[i], 0) + gap.length * (shown.length - 1) - width;
    for (const i of [...shown].reverse()) {
      const min = columns[i].minWidth;
      if (excess <= 0 || min === undefined || widths[i] <= min) continue;
      const cut = Math.min(excess, widths[i] - min);
      widths[i] -= cut;
      excess -= cut;
    }
    const dropped = droppable.shift();
    if (excess <= 0 || dropped === undefined) return { shown, widths };
    shown = shown.filter((i) => i !== dropped);
  }
}

// Code points, not UTF-16 units: close enough for ids, states and titles (wide CJK characters count as one).
function textWidth(text: string): number {
  return [...text].length;
}

const borderless = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: gap,
};
