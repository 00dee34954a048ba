import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentCliBinDir } from '../agent-clis';
import type { FakeModelServer } from './fake-model-server';
import { startFakeGeminiServer } from './gemini.dialect';

// The real Gemini CLI against the fake Gemini API, run the way Solar Circuit runs it unattended
// (the contract and the evidence: gemini.contract.md).
const binDir = agentCliBinDir();
if (!binDir)
  console.log('gemini.dialect.spec: skipped, the pinned agent CLIs are not installed (scripts/install-agent-clis.js)');
const describeWithCli = binDir ? describe : describe.skip;

/** ~/.gemini/settings.json for an unattended run: API-key auth, no trust step, nothing sent anywhere but the model API. */
const unattendedSettings = {
  security: { auth: { selectedType: 'gemini-api-key' }, folderTrust: { enabled: false } },
  privacy: { usageStatisticsEnabled: false },
  telemetry: { enabled: false },
  general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
  ide: { enabled: false },
};

interface StreamEvent {
  type: string;
  [key: string]: unknown;
}

interface GeminiRun {
  code: number | null;
  stdout: string;
  stderr: string;
  events: StreamEvent[];
  ms: number;
}

describeWithCli('the real gemini CLI against the fake Gemini API', () => {
  let root: string;
  let home: string;
  let repo: string;
  let server: FakeModelServer | undefined;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'sc-gemini-'));
    home = join(root, 'home');
    repo = join(root, 'repo');
    mkdirSync(join(home, '.gemini'), { recursive: true });
    writeFileSync(join(home, '.gemini', 'settings.json'), JSON.stringify(unattendedSettings));
    mkdirSync(repo);
    execFileSync('git', ['init', '-q', repo]);
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    rmSync(root, { recursive: true, force: true });
  });

  /** Runs `gemini` in the repo with `prompt` on stdin, a fresh HOME and nothing else from this process's env. */
  function runGemini(url: string, args: string[], prompt: string): Promise<GeminiRun> {
    const started = Date.now();
    const child = spawn(join(binDir!, 'gemini'), args, {
      cwd: repo,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        TMPDIR: root,
        GOOGLE_GEMINI_BASE_URL: url,
        GEMINI_API_KEY: 'fake-key',
        GEMINI_CLI_NO_RELAUNCH: 'true',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(prompt);
    const guard = setTimeout(() => child.kill('SIGKILL'), 45_000);
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(guard);
        const events = stdout
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as StreamEvent);
        resolve({ code, stdout, stderr, events, ms: Date.now() - started });
      });
    });
  }

  const unattended = ['--output-format', 'stream-json', '--approval-mode', 'yolo', '-m', 'gemini-2.5-pro'];

  it('writes a file and runs a shell command, prompted on stdin, and reports the usage in its result', async () => {
    server = await startFakeGeminiServer({ usage: { input: 100, output: 20, cacheRead: 30 } });

    const run = await runGemini(server.url, unattended, 'Write hello.txt, then run the command.');

    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(readFileSync(join(repo, 'hello.txt'), 'utf8')).toBe('hello from the fake model\n');
    expect(existsSync(join(repo, 'ran.txt'))).toBe(true);
    // Three turns of the agent (write, shell, final text), no side calls with an explicit model.
    expect(server.calls.map((call) => `${call.method} ${call.path} ${call.status}`)).toEqual(
      Array(3).fill('POST /v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse 200'),
    );
    expect(server.calls[0].headers['x-goog-api-key']).toBe('fake-key');
    expect(JSON.stringify(server.calls[0].body)).toContain('Write hello.txt, then run the command.');
    const types = run.events.map((event) => event.type);
    expect(types[0]).toBe('init');
    expect(types.filter((type) => type === 'tool_result')).toHaveLength(2);
    expect(run.events.filter((event) => event.type === 'tool_result').map((event) => event.status)).toEqual([
      'success',
      'success',
    ]);
    const result = run.events.at(-1)!;
    expect(result).toMatchObject({
      type: 'result',
      status: 'success',
      stats: {
        // Summed over the three answers: input_tokens is the prompt count (cache included), input what was not cached.
        input_tokens: 390,
        output_tokens: 60,
        cached: 90,
        input: 300,
        total_tokens: 450,
        tool_calls: 2,
        models: {
          'gemini-2.5-pro': { input_tokens: 390, output_tokens: 60, cached: 90, input: 300, total_tokens: 450 },
        },
      },
    });
    console.log(`gemini.dialect.spec: a write + shell run took ${run.ms} ms`);
  });

  it('answers the model router of the "auto" model with JSON from the non-streaming generateContent, with usage', async () => {
    server = await startFakeGeminiServer();

    const run = await runGemini(
      server.url,
      ['--output-format', 'stream-json', '--approval-mode', 'yolo'],
      'Write hello.txt, then run the command.',
    );

    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(existsSync(join(repo, 'ran.txt'))).toBe(true);
    const sideCalls = server.calls.filter((call) => call.path.includes(':generateContent'));
    expect(sideCalls.length).toBeGreaterThanOrEqual(1);
    expect(sideCalls.every((call) => call.status === 200 && !call.agentTurn)).toBe(true);
    expect(run.stderr).not.toContain('Routing] NumericalClassifierStrategy failed');
    const stats = run.events.at(-1)!.stats as { input_tokens: number; output_tokens: number };
    // Every answer, side calls included, declares 100 in and 20 out.
    expect(stats).toMatchObject({ input_tokens: 100 * server.calls.length, output_tokens: 20 * server.calls.length });
  });

  it('resumes a session by id and sends the earlier conversation', async () => {
    server = await startFakeGeminiServer();
    const sessionId = '0f6c7d0e-1b2a-4c3d-8e9f-a0b1c2d3e4f5';

    const first = await runGemini(
      server.url,
      [...unattended, '--session-id', sessionId],
      'Write hello.txt, then run the command.',
    );
    expect(first.code).toBe(0);
    expect(first.events[0]).toMatchObject({ type: 'init', session_id: sessionId });
    const firstCalls = server.calls.length;

    const second = await runGemini(server.url, [...unattended, '--resume', sessionId], 'And now?');

    expect({ code: second.code, stderr: second.code === 0 ? '' : second.stderr }).toEqual({ code: 0, stderr: '' });
    expect(second.events[0]).toMatchObject({ type: 'init', session_id: sessionId });
    const resumed = server.calls.slice(firstCalls);
    // The script already stands after both tool results: one call, answered with the final text.
    expect(resumed).toHaveLength(1);
    const sent = JSON.stringify(resumed[0].body);
    for (const earlier of ['Write hello.txt, then run the command.', 'write_file', 'run_shell_command', 'And now?'])
      expect(sent).toContain(earlier);
  });
});
