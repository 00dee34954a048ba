import type { ValidationIssue, WorkOrder } from '@sc/schemas';
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Document, LineCounter, Node } from 'yaml';
import { UsageError } from './errors';

type YamlModule = typeof import('yaml');

/** A validation issue with the 1-based line of the value (or of its parent, when the value is missing). */
export interface LocatedIssue extends ValidationIssue {
  line: number;
}

/** The outcome of checking one work-order file. */
export type WorkOrderFileCheck = { ok: true; order: WorkOrder } | { ok: false; issues: LocatedIssue[] };

/**
 * Reads a JSON or YAML work-order and validates it against `workorder@1.json` (defaults filled in), then, when
 * it passes, with `check` (what this machine's plugins say about it). Unreadable files and syntax errors throw
 * {@link UsageError} with the position; issues come back with their lines.
 */
export async function checkWorkOrderFile(
  file: string,
  check?: (order: WorkOrder) => ValidationIssue[],
): Promise<WorkOrderFileCheck> {
  const text = await readText(file);
  // yaml and the compiled schemas load here, not at import, so that `sc --help` stays instant.
  const [yaml, { validateWorkOrder }] = await Promise.all([import('yaml'), import('@sc/schemas')]);
  const { document, lines } = parseWorkOrderText(yaml, file, text);
  const result = validateWorkOrder(toValue(document, file));
  const issues = result.ok ? (check?.(result.value) ?? []) : result.issues;
  if (result.ok && issues.length === 0) return { ok: true, order: result.value };
  return { ok: false, issues: issues.map((issue) => ({ ...issue, line: lineOf(yaml, document, lines, issue.path) })) };
}

/** Reads and validates a work-order file; any issue throws one {@link UsageError} line listing them all. */
export async function readWorkOrderFile(file: string): Promise<WorkOrder> {
  const check = await checkWorkOrderFile(file);
  if (check.ok) return check.order;
  throw new UsageError(
    `invalid work-order: ${check.issues.map((issue) => formatLocatedIssue(file, issue)).join('; ')}`,
  );
}

/** `file.yaml:12 /budget/max_tokens: must be >= 1` */
export function formatLocatedIssue(file: string, issue: LocatedIssue): string {
  return `${file}:${issue.line} ${issue.path || '/'}: ${issue.message}`;
}

// A work-order's largest field (instructions) holds 200,000 characters; a file many times that size is a
// mistake (a log, a binary), and is refused before it is read into memory.
const maxFileBytes = 4 * 1024 * 1024;

/** The file's text, without the byte-order mark Windows editors put first (JSON.parse refuses it, YAML skips it). */
async function readText(file: string): Promise<string> {
  const cannotRead = (error: NodeJS.ErrnoException) => {
    throw new UsageError(`${file}: cannot read (${error.code ?? error.message})`);
  };
  const { size } = await stat(file).catch(cannotRead);
  if (size > maxFileBytes)
    throw new UsageError(
      `${file}: ${size} bytes is larger than a work-order can be (${maxFileBytes / 1024 / 1024} MiB)`,
    );
  const text = await readFile(file, 'utf8').catch(cannotRead);
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/** The document as plain data; YAML's guard against alias bombs ("billion laughs") becomes a usage error. */
function toValue(document: Document, file: string): unknown {
  try {
    return document.toJS();
  } catch (error) {
    throw new UsageError(`${file}: invalid YAML: ${(error as Error).message}`);
  }
}

/**
 * Parses the text into a YAML document that keeps source positions. JSON is YAML too, so one walker maps paths
 * to lines for both; JSON files are still checked with JSON.parse, because YAML accepts what JSON does not.
 */
function parseWorkOrderText(yaml: YamlModule, file: string, text: string): { document: Document; lines: LineCounter } {
  const isJson = isJsonFile(file, text);
  if (isJson) assertJsonSyntax(file, text);
  const lines = new yaml.LineCounter();
  const document = yaml.parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const [error] = document.errors;
  if (error) {
    // JSON that JSON.parse accepted can still fail here: a repeated key, which YAML refuses and JSON.parse
    // would silently resolve to the last value.
    const { line, col } = lines.linePos(error.pos[0]);
    throw new UsageError(`${file}:${line}:${col} invalid ${isJson ? 'JSON' : 'YAML'}: ${error.message}`);
  }
  return { document, lines };
}

function isJsonFile(file: string, text: string): boolean {
  const extension = extname(file).toLowerCase();
  if (extension === '.json') return true;
  if (extension === '.yaml' || extension === '.yml') return false;
  return text.trimStart().startsWith('{');
}

function assertJsonSyntax(file: string, text: string): void {
  try {
    JSON.parse(text);
  } catch {
    const offset = jsonErrorOffset(text);
    const { line, col } = linePosition(text, offset);
    const found = offset >= text.length ? 'end of file' : JSON.stringify(text[offset]);
    throw new UsageError(`${file}:${line}:${col} invalid JSON: unexpected ${found}`);
  }
}

// Node 20's JSON.parse does not always say where it failed ("Unexpected token '}', … is not valid JSON"). A
// prefix that is merely cut short fails at its very end ("… at position <its length>", "Unexpected end of JSON
// input"); once the prefix holds the offending character it fails before that. The shortest such prefix ends
// at the error, and a binary search finds it in log(n) parses.
function jsonErrorOffset(text: string): number {
  const failsBeforeEnd = (length: number): boolean => {
    try {
      JSON.parse(text.slice(0, length));
      return false;
    } catch (error) {
      const message = (error as Error).message;
      const position = /at position (\d+)/.exec(message);
      return !message.includes('end of JSON input') && (!position || Number(position[1]) < length);
    }
  };
  if (!failsBeforeEnd(text.length)) return text.length;
  let low = 1;
  let high = text.length;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (failsBeforeEnd(middle)) high = middle;
    else low = middle + 1;
  }
  return low - 1;
}

function linePosition(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

// Walks a JSON Pointer through the document: a present value is located at its key (or item), a missing one
// (`/title: is required`) at the nearest parent that exists.
function lineOf(yaml: YamlModule, document: Document, lines: LineCounter, pointer: string): number {
  let node: unknown = document.contents;
  let offset = (node as Node | null)?.range?.[0] ?? 0;
  for (const segment of pointer.split('/').slice(1).map(unescapePointer)) {
    if (yaml.isMap(node)) {
      const pair = node.items.find((item) => String((item.key as { value?: unknown } | null)?.value) === segment);
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (yaml.isSeq(node)) {
      const item = node.items[Number(segment)] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return lines.linePos(offset).line;
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}
