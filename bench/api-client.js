// @ts-check
// A lean HTTP/1.1 client for the bench: keep-alive sockets on loopback, so the figures measure the
// orchestrator rather than connection setup or a heavy client.
const { Buffer } = require('node:buffer');
const http = require('node:http');
const { URL } = require('node:url');

/** A client of the orchestrator at `baseUrl` with up to `maxSockets` requests in flight. */
function createApiClient(baseUrl, maxSockets = 64) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const { hostname, port } = new URL(baseUrl);

  /** One request; resolves with the status and the body: parsed when it is JSON, else its text (undefined when empty). */
  function request(method, path, body) {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers =
      payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
    return new Promise((resolveResponse, reject) => {
      const req = http.request({ agent, hostname, port, method, path, headers }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const isJson = (res.headers['content-type'] ?? '').includes('json');
          resolveResponse({ status: res.statusCode ?? 0, body: !text ? undefined : isJson ? JSON.parse(text) : text });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** `GET path`; throws unless it answers 200. */
  async function get(path) {
    const res = await request('GET', path);
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  return {
    request,
    /** `POST /workorders`; throws unless it answers 200. */
    async submit(order) {
      const res = await request('POST', '/workorders', order);
      if (res.status !== 200) throw new Error(`POST /workorders answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body;
    },
    get,
    /** `GET /rounds/:id/events` until the stream ends, which it does with the Round; resolves with its text. */
    followRound: (roundId) => get(`/rounds/${roundId}/events`),
    close: () => agent.destroy(),
  };
}

module.exports = { createApiClient };
