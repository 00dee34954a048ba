import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claudeCodeAliases } from '@sc/runner';
import { agentCliBinDir } from '../agent-clis';
import type { FakeModelOptions, FakeModelServer, RecordedCall } from './fake-model-server';
import { startFakeAnthropicServer } from './anthropic.dialect';

// The real Claude Code CLI against the fake Anthropic Messages API. The contract these tests pin is written
// up in claude.contract.md. Each CLI run takes about a second.

const bin = agentCliBinDir();
const claude = bin ? join(bin, 'claude') : undefined;
if (!claude)
  console.log(
    'anthropic.dialect.spec: the agent CLIs are not installed (scripts/install-agent-clis.js could not fetch them); the real-claude tests are skipped',
  );
const describeWithClaude = claude ? describe : describe.skip;

// Parsed JSON read field by field, as a test does.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const usage = { input: 1000, output: 50, cacheRead: 200, cacheWrite: 30 };
const unattended = ['-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'bypassPermissions'];

describe('anthropic dialect over HTTP', () => {
  let server: FakeModelServer;
  beforeAll(async () => {
    server = await startFakeAnthropicServer({ usage });
  });
  afterAll(() => server.close());

  const post = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const writeTool = { name: 'Write', input_schema: { type: 'object', properties: { file_path: {}, content: {} } } };
  const environment = {
    role: 'system',
    content: [{ type: 'text', text: ' - Primary working directory: /work/some repo\n - Is a git repository: true' }],
  };

  it('streams a tool_use with the absolute path from the stated working directory, and message_delta with the output tokens', async () => {
    const response = await post('/v1/messages?beta=true', {
      model: 'claude-x',
      stream: true,
      tools: [writeTool],
      messages: [{ role: 'user', content: 'go' }, environment],
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events = (await response.text())
      .split('\n\n')
      .filter(Boolean)
      .map((chunk) => ({
        event: /^event: (.*)$/m.exec(chunk)?.[1],
        data: JSON.parse(/^data: (.*)$/m.exec(chunk)![1]) as Record<string, Loose>,
      }));
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events.every((e) => e.data.type === e.event)).toBe(true);
    expect(events[0].data.message.usage).toEqual({
      input_tokens: 1000,
      cache_read_input_tokens: 200,
      cache_creation_input_tokens: 30,
      output_tokens: 1,
    });
    expect(events[2].data.content_block).toMatchObject({ type: 'tool_use', name: 'Write', input: {} });
    const input = JSON.parse(
      events
        .filter((e) => e.event === 'content_block_delta')
        .map((e) => e.data.delta.partial_json)
        .join(''),
    );
    expect(input).toEqual({ file_path: '/work/some repo/hello.txt', content: 'hello from the fake model\n' });
    expect(events[7].data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { output_tokens: 50 },
    });
  });

  it('answers stream:false with a JSON message, counts tokens, and speaks the error format', async () => {
    const message = (await (
      await post('/v1/messages', {
        model: 'claude-haiku-x',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'title?' }],
      })
    ).json()) as Record<string, unknown>;
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-haiku-x',
      content: [{ type: 'text', text: 'ok' }],
      stop_reason: 'end_turn',
    });
    expect(message.usage).toEqual({
      input_tokens: 1000,
      cache_read_input_tokens: 200,
      cache_creation_input_tokens: 30,
      output_tokens: 50,
    });
    const counted = await post('/v1/messages/count_tokens?beta=true', {
      model: 'claude-x',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(await counted.json()).toEqual({ input_tokens: expect.any(Number) });
    const missing = await post('/v1/nothing', {});
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      type: 'error',
      error: { type: 'not_found_error', message: expect.any(String) },
    });
  });
});

describeWithClaude('real claude against the fake Anthropic API', () => {
  const folders: string[] = [];
  const servers: FakeModelServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  async function fake(options: FakeModelOptions = {}): Promise<FakeModelServer> {
    const server = await startFakeAnthropicServer({ usage, ...options });
    servers.push(server);
    return server;
  }

  function tempDir(name: string): string {
    const folder = mkdtempSync(join(tmpdir(), `sc-claude-${name}-`));
    folders.push(folder);
    return folder;
  }

  /** A fresh git repository (one empty commit) and a fresh HOME. */
  function workspace(): { repo: string; home: string } {
    const repo = tempDir('repo');
    execFileSync('git', ['init', '-q', repo]);
    execFileSync('git', [
      '-C',
      repo,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@example.com',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'init',
    ]);
    return { repo, home: tempDir('home') };
  }

  interface Run {
    code: number | null;
    signal: NodeJS.Signals | null;
    lines: Array<Record<string, Loose>>;
    result: Record<string, Loose>;
    stderr: string;
    ms: number;
  }

  /** Runs `claude` with the prompt on stdin and an environment built from scratch (nothing inherited but PATH). */
  function runClaude(
    server: FakeModelServer,
    where: { repo: string; home: string },
    prompt: string,
    args: string[] = [],
    env: Record<string, string> = {},
    whileRunning?: (child: ReturnType<typeof spawn>) => void,
  ): Promise<Run> {
    const started = Date.now();
    const child = spawn(claude!, [...unattended, ...args], {
      cwd: where.repo,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        HOME: where.home,
        ANTHROPIC_BASE_URL: server.url,
        ANTHROPIC_API_KEY: 'sk-ant-fake-key',
        IS_SANDBOX: '1', // lets root use bypassPermissions
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_AUTOUPDATER: '1',
        DISABLE_TELEMETRY: '1',
        DISABLE_ERROR_REPORTING: '1',
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdin.end(prompt);
    whileRunning?.(child);
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => {
        const lines = stdout
          .split('\n')
          .filter((line) => line.trim())
          .map((line) => JSON.parse(line) as Record<string, Loose>);
        const result = lines.find((line) => line.type === 'result') ?? {};
        resolve({ code, signal, lines, result, stderr, ms: Date.now() - started });
      });
    });
  }

  const agentTurns = (server: FakeModelServer): RecordedCall[] => server.calls.filter((call) => call.agentTurn);
  const userText = (call: RecordedCall): string => JSON.stringify((call.body as { messages: unknown[] }).messages);

  it('writes hello.txt and runs the shell command, prompt on stdin, and prints the summed usage in its result line', async () => {
    const server = await fake();
    const where = workspace();
    const run = await runClaude(server, where, 'Write hello.txt, then run the command.');

    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(readFileSync(join(where.repo, 'hello.txt'), 'utf8')).toBe('hello from the fake model\n');
    expect(existsSync(join(where.repo, 'ran.txt'))).toBe(true);

    // Three agent turns (Write, Bash, final text), no side calls; the stdin prompt reached the model.
    expect(server.calls.map((call) => `${call.method} ${call.path} ${call.agentTurn}`)).toEqual(
      Array(3).fill('POST /v1/messages?beta=true true'),
    );
    expect(server.calls[0].headers['x-api-key']).toBe('sk-ant-fake-key');
    expect(userText(server.calls[0])).toContain('Write hello.txt, then run the command.');

    const init = run.lines[0];
    expect(init).toMatchObject({
      type: 'system',
      subtype: 'init',
      cwd: where.repo,
      permissionMode: 'bypassPermissions',
    });
    // Each `assistant` line carries message_start's usage: the input side, and output_tokens 1.
    const assistant = run.lines.filter((line) => line.type === 'assistant');
    expect(assistant.map((line) => line.message.content[0].type)).toEqual(['tool_use', 'tool_use', 'text']);
    expect(assistant[0].message.usage).toMatchObject({
      input_tokens: 1000,
      cache_read_input_tokens: 200,
      cache_creation_input_tokens: 30,
      output_tokens: 1,
    });
    // The result line sums the final usage of the three answers.
    expect(run.result).toMatchObject({
      type: 'result',
      subtype: 'success',
      is_error: false,
      result: 'done',
      num_turns: 3,
      session_id: init.session_id,
      permission_denials: [],
      usage: { input_tokens: 3000, output_tokens: 150, cache_read_input_tokens: 600, cache_creation_input_tokens: 90 },
    });
    expect(run.result.total_cost_usd).toBeGreaterThan(0);
    console.log(`anthropic.dialect.spec: a minimal claude run (3 turns) took ${run.ms} ms`);
  });

  it('resumes a session with --resume <id> and a stdin prompt, sending the earlier conversation', async () => {
    const server = await fake();
    const where = workspace();
    const first = await runClaude(server, where, 'First prompt.');
    expect(first.code).toBe(0);
    const sessionId = first.result.session_id as string;
    expect(
      existsSync(
        join(where.home, '.claude', 'projects', where.repo.replace(/[^A-Za-z0-9]/g, '-'), `${sessionId}.jsonl`),
      ),
    ).toBe(true);

    const before = server.calls.length;
    const second = await runClaude(server, where, 'Second prompt.', ['--resume', sessionId]);
    expect(second.code).toBe(0);
    expect(second.result).toMatchObject({ session_id: sessionId, is_error: false, num_turns: 1, result: 'done' });
    const resumed = server.calls.slice(before);
    expect(resumed).toHaveLength(1);
    const sent = userText(resumed[0]);
    for (const earlier of [
      'First prompt.',
      '"type":"tool_use"',
      '"name":"Write"',
      '"name":"Bash"',
      '"type":"tool_result"',
      'Second prompt.',
    ])
      expect(sent).toContain(earlier);
    expect(sent.indexOf('First prompt.')).toBeLessThan(sent.indexOf('Second prompt.'));
  });

  it('retries a 429 after its retry-after and goes on', async () => {
    const server = await fake({ fault: { kind: '429', times: 1, retryAfterS: 1 } });
    const where = workspace();
    const run = await runClaude(server, where, 'Go.');
    expect(run.code).toBe(0);
    expect(existsSync(join(where.repo, 'ran.txt'))).toBe(true);
    expect(run.lines.filter((line) => line.subtype === 'api_retry')).toEqual([
      expect.objectContaining({
        type: 'system',
        attempt: 1,
        max_retries: 10,
        error_status: 429,
        error: 'rate_limit',
        retry_delay_ms: expect.any(Number),
      }),
    ]);
    expect(run.lines.find((line) => line.subtype === 'api_retry')!.retry_delay_ms).toBeGreaterThanOrEqual(1000);
    expect(agentTurns(server).map((call) => call.status)).toEqual([429, 200, 200, 200]);
  });

  it('retries a stream cut off mid-answer', async () => {
    const server = await fake({ fault: { kind: 'cut-off', call: 0, afterEvents: 4 } });
    const where = workspace();
    const run = await runClaude(server, where, 'Go.');
    expect(run.code).toBe(0);
    expect(existsSync(join(where.repo, 'hello.txt'))).toBe(true);
    expect(run.lines.filter((line) => line.subtype === 'api_retry')).toEqual([
      expect.objectContaining({ attempt: 1, error_status: null }),
    ]);
    expect(agentTurns(server)).toHaveLength(4);
    // The cut-off answer's message_start (its input) is sent before the cut; Claude Code counts it when it read the
    // event before it saw the reset, which is a race: three whole answers, and that one or not.
    expect([3000, 4000]).toContain(run.result.usage.input_tokens);
  });

  it('calls, for each of its model aliases, the model claudeCodeAliases says (what a cost budget is checked against)', async () => {
    const server = await fake({ script: [] });
    const where = workspace();
    const aliases = [...Object.keys(claudeCodeAliases), 'opus[1m]'];
    const seen: Record<string, string[]> = {};
    for (const alias of aliases) {
      const before = server.calls.length;
      const run = await runClaude(server, where, 'Say hi.', [`--model=${alias}`]);
      expect(run.code).toBe(0);
      seen[alias] = server.calls.slice(before).map((call) => String((call.body as Loose).model));
    }
    for (const alias of aliases) {
      expect(seen[alias].length).toBeGreaterThan(0);
      // opusplan works with sonnet and plans with opus: a run outside plan mode calls one of its two.
      for (const model of seen[alias]) expect(claudeCodeAliases[alias.replace('[1m]', '')]).toContain(model);
    }
  });

  it('waits on a stream that sent headers and then nothing (no timeout of its own); SIGTERM ends it with no result line, the transcript kept', async () => {
    const server = await fake({ fault: { kind: 'hang' } });
    const where = workspace();
    const run = await runClaude(
      server,
      where,
      'Hang on.',
      [],
      { API_TIMEOUT_MS: '1500', CLAUDE_CODE_MAX_RETRIES: '1' },
      (child) => {
        const poll = setInterval(() => {
          if (agentTurns(server).length === 0) return;
          clearInterval(poll);
          // Well past API_TIMEOUT_MS, which only bounds the wait for response headers.
          setTimeout(() => child.kill('SIGTERM'), 2500);
        }, 50);
      },
    );
    expect({ code: run.code, signal: run.signal }).toEqual({ code: 143, signal: null }); // it catches SIGTERM and exits 143 at once
    expect(agentTurns(server)).toHaveLength(1);
    expect(run.lines.map((line) => `${line.type}/${line.subtype}`)).toEqual(['system/init']);
    const transcript = join(
      where.home,
      '.claude',
      'projects',
      where.repo.replace(/[^A-Za-z0-9]/g, '-'),
      `${run.lines[0].session_id}.jsonl`,
    );
    expect(readFileSync(transcript, 'utf8')).toContain('Hang on.');
  });
});
