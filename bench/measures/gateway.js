// @ts-check
// The model gateway's cost per model call: time to first byte and to the end of a streamed answer through the
// gateway, beside direct calls to the same fake Anthropic server, calls through the plainest Node HTTP proxy in a
// process of its own (fixtures/bare-proxy.js) and through a byte relay (fixtures/tcp-relay.js: the hop alone), in
// the same run, interleaved, one call at a time; and the CPU per call of the gateway's process and of the bare proxy's.
const { spawn } = require('node:child_process');
const { once } = require('node:events');
const { readFileSync } = require('node:fs');
const { Agent, createServer, request } = require('node:http');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { percentile, round } = require('../stats');

// An answer the size of a short agent turn: message_start, 40 text deltas, message_delta, message_stop.
const answer = [
  {
    type: 'message_start',
    message: {
      id: 'msg_bench',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [],
      usage: { input_tokens: 1200, cache_read_input_tokens: 9000, cache_creation_input_tokens: 300, output_tokens: 1 },
    },
  },
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  ...Array.from({ length: 40 }, (_, i) => ({
    type: 'content_block_delta',
    index: 0,
    delta: { type: 'text_delta', text: `chunk ${i} of a streamed answer, about a line long. ` },
  })),
  { type: 'content_block_stop', index: 0 },
  { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 400 } },
  { type: 'message_stop' },
]
  .map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
  .join('');
const body = JSON.stringify({
  model: 'claude-sonnet-4-5',
  max_tokens: 1000,
  stream: true,
  messages: [{ role: 'user', content: 'x'.repeat(2000) }],
});

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
    const req = request(
      `${baseUrl}/v1/messages`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-api-key': 'placeholder',
        },
      },
      (res) => {
        res.on('data', () => (firstByte ||= performance.now() - startedAt));
        res.on('end', () => resolve({ firstByte, end: performance.now() - startedAt }));
        res.on('error', reject);
      },
    );
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

/** Starts `fixture` with the upstream's URL; resolves with the process and the base URL it prints. */
async function startProxy(fixture, upstreamUrl) {
  const child = spawn(process.execPath, [join(__dirname, '..', 'fixtures', fixture), upstreamUrl], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = await once(child.stdout, 'data');
  return { child, url: String(line).trim() };
}

async function measureGateway({ calls, warmup }) {
  const fake = await startFakeAnthropic();
  const gateway = await startProxy('gateway-process.js', fake.url);
  const bare = await startProxy('bare-proxy.js', fake.url);
  // The relay passes the path through: it is served at the fake's own root.
  const relay = await startProxy('tcp-relay.js', fake.url);
  try {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const paths = {
      direct: { url: fake.url },
      bare_proxy: { url: bare.url, pid: bare.child.pid },
      tcp_relay: { url: relay.url.replace(/\/r\/tcp$/, '') },
      gateway: { url: gateway.url, pid: gateway.child.pid },
    };
    const samples = Object.fromEntries(Object.keys(paths).map((name) => [name, { firstByte: [], end: [], cpuMs: 0 }]));
    for (let i = 0; i < warmup; i++) for (const { url } of Object.values(paths)) await call(url, agent);
    for (let i = 0; i < calls; i++) {
      for (const [name, { url, pid }] of Object.entries(paths)) {
        const cpuBefore = pid ? cpuMs(pid) : 0;
        const { firstByte, end } = await call(url, agent);
        if (pid) samples[name].cpuMs += cpuMs(pid) - cpuBefore;
        samples[name].firstByte.push(firstByte);
        samples[name].end.push(end);
      }
    }
    agent.destroy();
    const figures = Object.fromEntries(
      Object.entries(samples).map(([name, sample]) => [
        name,
        { first_byte: summary(sample.firstByte), end: summary(sample.end) },
      ]),
    );
    const added = (path, what) => ({
      p50: round(figures[path][what].p50_ms - figures.direct[what].p50_ms, 3),
      p99: round(figures[path][what].p99_ms - figures.direct[what].p99_ms, 3),
    });
    return {
      calls,
      ...figures,
      added_first_byte_ms: added('gateway', 'first_byte'),
      added_end_ms: added('gateway', 'end'),
      bare_proxy_added_end_ms: added('bare_proxy', 'end'),
      tcp_relay_added_end_ms: added('tcp_relay', 'end'),
      gateway_cpu_ms_per_call: round(samples.gateway.cpuMs / calls, 3),
      bare_proxy_cpu_ms_per_call: round(samples.bare_proxy.cpuMs / calls, 3),
    };
  } finally {
    gateway.child.kill();
    bare.child.kill();
    relay.child.kill();
    fake.server.close();
  }
}

module.exports = { measureGateway };
