#!/usr/bin/env node
// `npm run demo`: one Round through the real stack. Starts `sc up --redis` (orchestrator + worker on SQLite under
// ./data, a private redis-server when none answers at REDIS_URL), submits examples/echo.json with
// `sc submit --wait`, prints the Report, stops everything, and exits with the submit's code (0 on success).
const { spawn } = require('node:child_process');
const { createServer } = require('node:net');
const { join, resolve } = require('node:path');

const root = join(__dirname, '..');
const sc = join(root, 'apps', 'cli', 'bin', 'run.js');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(apiUrl, up, deadlineMs) {
  for (const deadline = Date.now() + deadlineMs; Date.now() < deadline;) {
    if (up.exitCode !== null) return false;
    const res = await fetch(`${apiUrl}/health`).catch(() => undefined);
    if (res?.status === 200) return true;
    await new Promise((wake) => setTimeout(wake, 200));
  }
  return false;
}

async function main() {
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  // A queue prefix of its own, so the demo never takes jobs of another stack sharing the same Redis.
  const env = { ...process.env, SC_QUEUE_PREFIX: process.env.SC_QUEUE_PREFIX ?? 'sc-demo', SC_API_URL: apiUrl };
  const up = spawn(process.execPath, [sc, 'up', '--redis', '--port', String(port)], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let upOutput = '';
  up.stdout.on('data', (chunk) => (upOutput += chunk));
  up.stderr.on('data', (chunk) => (upOutput += chunk));
  const upExited = new Promise((resolve) => up.once('exit', resolve));

  // Where `sc up` puts its data: SC_DATA_DIR, resolved from the checkout it runs in.
  console.log(
    `demo: starting orchestrator and worker on SQLite (${resolve(root, process.env.SC_DATA_DIR || 'data')}), API ${apiUrl}`,
  );
  if (!(await waitForHealth(apiUrl, up, 60_000))) {
    // `sc up` says in one line what is missing (Redis, a build); show its last lines and stop.
    process.stderr.write(`demo: the stack did not start:\n${upOutput.trim().split('\n').slice(-5).join('\n')}\n`);
    up.kill('SIGTERM');
    await upExited;
    return 1;
  }
  console.log('demo: submitting examples/echo.json');
  const submit = spawn(process.execPath, [sc, 'submit', join(root, 'examples', 'echo.json'), '--wait'], {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'ignore'],
  });
  const code = await new Promise((resolve) => submit.once('exit', (exitCode) => resolve(exitCode ?? 1)));
  up.kill('SIGTERM');
  await upExited;
  console.log(`demo: stack stopped; ${code === 0 ? 'the Round succeeded' : 'the Round did not succeed'}`);
  return code;
}

main().then(
  (code) => (process.exitCode = code),
  (error) => {
    process.stderr.write(`demo: ${error.message}\n`);
    process.exitCode = 1;
  },
);
