import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentCliBinDir } from '../agent-clis';
import type { FakeModelOptions, FakeModelServer } from './fake-model-server';
import { startFakeOpenAIServer } from './openai.dialect';

// The real Codex CLI (pinned by scripts/install-agent-clis.js) against the fake Responses API. The argv below is
// the contract recorded in codex.contract.md: a custom provider (Codex ignores OPENAI_BASE_URL), its key in an
// env var, no retries unless a test asks, no analytics or plugin sync, and the prompt on stdin (`-`).
const binDir = agentCliBinDir();
if (!binDir)
  console.log(
    'openai.dialect.spec: the codex CLI is not installed (see scripts/install-agent-clis.js); skipping the real-Codex tests',
  );
const describeWithCodex = binDir ? describe : describe.skip;

const keyVar = 'FAKE_OPENAI_API_KEY';
const usage = { input: 100, output: 20, cacheRead: 30 };

/** One line of `codex exec --json`. */
interface CodexEvent {
  type: string;
  thread_id?: string;
  item?: { id: string; type: string; status?: string; exit_code?: number | null; text?: string };
  usage?: Record<string, number>;
  error?: { message: string };
  message?: string;
}

/** The parts of a recorded Responses request the tests read. */
interface RequestBody {
  input: Array<{ type: string; role?: string; output?: string; content?: Array<{ text?: string }> }>;
}

interface CodexRun {
  code: number | null;
  events: CodexEvent[];
  stderr: string;
  ms: number;
}

describeWithCodex('openai dialect with the real codex exec', () => {
  let dir: string;
  let repo: string;
  let server: FakeModelServer | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-codex-'));
    repo = join(dir, 'repo');
    execFileSync('git', ['init', '-q', repo]);
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(options: FakeModelOptions = {}): Promise<FakeModelServer> {
    server = await startFakeOpenAIServer({ usage, ...options });
    return server;
  }

  /** `codex exec` with `args` before the trailing `-`, the prompt written to its stdin. */
  function codex(url: string, args: string[], prompt: string, config: string[] = []): Promise<CodexRun> {
    const argv = [
      'exec',
      '--json',
      '--color',
      'never',
      '-C',
      repo,
      '-m',
      'gpt-5.5',
      ...[
        'model_provider="fake"',
        'model_providers.fake.name="Fake OpenAI"',
        `model_providers.fake.base_url="${url}/v1"`,
      ]
        .concat([`model_providers.fake.env_key="${keyVar}"`, 'model_providers.fake.wire_api="responses"'])
        .concat([
          'model_providers.fake.request_max_retries=0',
          'model_providers.fake.stream_max_retries=0',
          'analytics.enabled=false',
        ])
        .concat(config)
        .flatMap((value) => ['-c', value]),
      '--disable',
      'plugins',
      ...args,
      '-',
    ];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: join(dir, 'home'),
      CODEX_HOME: join(dir, 'codex-home'),
      [keyVar]: 'sk-fake-key',
    };
    for (const name of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'CODEX_API_KEY']) delete env[name];
    for (const home of [env.HOME!, env.CODEX_HOME!]) mkdirSync(home, { recursive: true });
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn(join(binDir!, 'codex'), argv, { cwd: repo, env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        const events = stdout
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as CodexEvent);
        resolve({ code, events, stderr, ms: Date.now() - started });
      });
      child.stdin.end(prompt);
    });
  }

  const ofType = (run: CodexRun, type: string): CodexEvent[] => run.events.filter((event) => event.type === type);
  const userTexts = (body: unknown): string[] =>
    (body as RequestBody).input
      .filter((item) => item.role === 'user')
      .map((item) => (item.content ?? []).map((part) => part.text).join(''));

  it('writes a file and runs a command in the worktree, reading the prompt from stdin and reporting usage', async () => {
    const fake = await start();
    const run = await codex(fake.url, ['--sandbox', 'danger-full-access'], 'Say hello, from stdin.');

    expect(run.code).toBe(0);
    expect(readFileSync(join(repo, 'hello.txt'), 'utf8')).toBe('hello from the fake model\n');
    expect(existsSync(join(repo, 'ran.txt'))).toBe(true);
    expect(ofType(run, 'thread.started')[0].thread_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(ofType(run, 'item.completed').map((event) => event.item?.type)).toEqual([
      'file_change',
      'command_execution',
      'agent_message',
    ]);
    // Usage is summed over the turn's three model calls; input_tokens includes the cached part.
    expect(ofType(run, 'turn.completed')[0].usage).toMatchObject({
      input_tokens: 390,
      cached_input_tokens: 90,
      output_tokens: 60,
      reasoning_output_tokens: 0,
    });

    expect(fake.calls.map((call) => `${call.method} ${call.path} ${call.status}`)).toEqual(
      Array(3).fill('POST /v1/responses 200'),
    );
    expect(fake.calls.every((call) => call.agentTurn && call.headers.authorization === 'Bearer sk-fake-key')).toBe(
      true,
    );
    expect(userTexts(fake.calls[0].body)).toContain('Say hello, from stdin.');
    console.log(`codex exec (3 model calls, one patch, one command): ${run.ms} ms`);
  });

  it('resumes a thread with a stdin prompt and sends the earlier conversation', async () => {
    const fake = await start();
    const first = await codex(fake.url, ['--sandbox', 'danger-full-access'], 'First prompt.');
    const threadId = ofType(first, 'thread.started')[0].thread_id!;

    const second = await codex(fake.url, ['--sandbox', 'danger-full-access', 'resume', threadId], 'Second prompt.');

    expect(second.code).toBe(0);
    expect(ofType(second, 'thread.started')[0].thread_id).toBe(threadId);
    const resumed = fake.calls[3].body as RequestBody;
    expect(userTexts(resumed).slice(-2)).toEqual(['First prompt.', 'Second prompt.']);
    expect(resumed.input.map((item) => item.type)).toEqual(
      expect.arrayContaining(['custom_tool_call_output', 'function_call_output']),
    );
    // turn.completed after a resume reports the thread's running total (four calls), not this turn's one call.
    expect(ofType(second, 'turn.completed')[0].usage).toMatchObject({ input_tokens: 4 * 130, output_tokens: 4 * 20 });
  });

  it('cannot write in the read-only sandbox, and says so to the model', async () => {
    const fake = await start();
    const run = await codex(fake.url, ['--sandbox', 'read-only'], 'Try to write.');

    expect(run.code).toBe(0);
    expect(existsSync(join(repo, 'hello.txt'))).toBe(false);
    expect(existsSync(join(repo, 'ran.txt'))).toBe(false);
    const outputs = (fake.calls[2].body as RequestBody).input.filter((item) => item.output);
    expect(outputs[0].output).toMatch(/patch rejected: writing is blocked by read-only sandbox/);
    // Codex runs a command in its own bubblewrap sandbox: its bundled bwrap gives EROFS on a write; a system bwrap
    // on PATH (Debian's, which Solar Circuit's own sandbox installs) is preferred and cannot start Codex's
    // helper, so the command fails before it runs. Either way nothing is written.
    expect(outputs[1].output).toMatch(/EROFS|execvp codex-linux-sandbox/);
    // A command the sandbox refuses often leaves no command_execution item in --json at all; only the model hears.
    const done = ofType(run, 'item.completed').map((event) => event.item!);
    expect(
      done.filter((item) => ['file_change', 'command_execution'].includes(item.type) && item.status === 'completed'),
    ).toEqual([]);
  });

  it('retries a 429 after retry-after when stream retries are allowed', async () => {
    const fake = await start({ fault: { kind: '429', times: 1, retryAfterS: 1 } });
    const run = await codex(fake.url, ['--sandbox', 'danger-full-access'], 'Go.', [
      'model_providers.fake.stream_max_retries=1',
    ]);

    expect(run.code).toBe(0);
    expect(fake.calls.map((call) => call.status)).toEqual([429, 200, 200, 200]);
    expect(ofType(run, 'error')[0].message).toMatch(/^Reconnecting\.\.\. 1\/1 .*429/);
    expect(run.ms).toBeGreaterThanOrEqual(1000);
  });

  it('fails the turn with exit code 1 on a cut-off stream or a hanging one', async () => {
    let fake = await start({ fault: { kind: 'cut-off', call: 0, afterEvents: 3 } });
    const cut = await codex(fake.url, ['--sandbox', 'danger-full-access'], 'Go.');
    expect(cut.code).toBe(1);
    expect(ofType(cut, 'turn.failed')[0].error?.message).toMatch(/stream disconnected before completion/);
    await fake.close();

    fake = await start({ fault: { kind: 'hang' } });
    const hung = await codex(fake.url, ['--sandbox', 'danger-full-access'], 'Go.', [
      'model_providers.fake.stream_idle_timeout_ms=500',
    ]);
    expect(hung.code).toBe(1);
    expect(ofType(hung, 'turn.failed')[0].error?.message).toMatch(/idle timeout waiting for SSE/);
  });
});
