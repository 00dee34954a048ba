// @ts-check
// The model gateway's cost per model call: time to first byte and to the end of a streamed answer through the
// gateway, beside direct calls to the same fake Anthropic server in the same run (interleaved, one call at a
// time), and the gateway process's CPU per call.
const { spawn } = require('node:child_process');
const { once } = require('node:events');
const { readFileSync } = require('node:fs');
const { Agent, createServer, request } = require('node:http');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { percentile, round } = require('../stats');

// An answer the size of a short agent turn: message_start, 40 text deltas, message_delta, message_stop.
const answer = [
  { type: 'message_start', message: { id: 'msg_bench', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], usage: { input_tokens: 1200, cache_read_input_tokens: 9000, cache_creation_input_tokens: 300, output_tokens: 1 } } },
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  ...Array.from({ length: 40 }, (_, i) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: `chunk ${i} of a streamed answer, about a line long. ` } })),
  { type: 'content_block_stop', index: 0 },
  { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 400 } },
  { type: 'message_stop' },
]
  .map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
  .join('');
const body = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 1000, stream: true, messages: [{ role: 'user', content: 'x'.repeat(2000) }] });

/** A fake Messages API: headers at once, then the answer in two writes (as a model's stream arrives in parts). */
async function startFakeAnthropic() {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      const half = answer.length >> 1;
      res.write(answer.slice(0, half));
      setImmediate(() => res.end(answer.slice(half)));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

/** One streamed call; resolves with ms to the first body byte and to the end. */
function call(baseUrl, agent) {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    let firstByte = 0;
    const req = request(`${baseUrl}/v1/messages`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-api-key': 'placeholder' } }, (res) => {
      res.on('data', () => (firstByte ||= performance.now() - startedAt));
      res.on('end', () => resolve({ firstByte, end: performance.now() - startedAt }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function summary(samples) {
  return { p50_ms: round(percentile(samples, 50), 3), p99_ms: round(percentile(samples, 99), 3) };
}

async function measureGateway({ calls, warmup }) {
  const fake = await startFakeAnthropic();
  const gatewayProcess = spawn(process.execPath, [join(__dirname, '..', 'fixtures', 'gateway-process.js'), fake.url], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = await once(gatewayProcess.stdout, 'data');
    const gatewayUrl = String(line).trim();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const direct = { firstByte: [], end: [] };
    const gateway = { firstByte: [], end: [] };
    for (let i = 0; i < warmup; i++) {
      await call(fake.url, agent);
      await call(gatewayUrl, agent);
    }
    let gatewayCpuMs = 0;
    for (let i = 0; i < calls; i++) {
      const straight = await call(fake.url, agent);
      direct.firstByte.push(straight.firstByte);
      direct.end.push(straight.end);
      const cpuBefore = cpuMs(gatewayProcess.pid);
      const through = await call(gatewayUrl, agent);
      gatewayCpuMs += cpuMs(gatewayProcess.pid) - cpuBefore;
      gateway.firstByte.push(through.firstByte);
      gateway.end.push(through.end);
    }
    agent.destroy();
    const figures = { calls, direct: { first_byte: summary(direct.firstByte), end: summary(direct.end) }, gateway: { first_byte: summary(gateway.firstByte), end: summary(gateway.end) } };
    return {
      ...figures,
      added_first_byte_ms: { p50: round(figures.gateway.first_byte.p50_ms - figures.direct.first_byte.p50_ms, 3), p99: round(figures.gateway.first_byte.p99_ms - figures.direct.first_byte.p99_ms, 3) },
      added_end_ms: { p50: round(figures.gateway.end.p50_ms - figures.direct.end.p50_ms, 3), p99: round(figures.gateway.end.p99_ms - figures.direct.end.p99_ms, 3) },
      gateway_cpu_ms_per_call: round(gatewayCpuMs / calls, 3),
    };
  } finally {
    gatewayProcess.kill();
    fake.server.close();
  }
}

module.exports = { measureGateway };
