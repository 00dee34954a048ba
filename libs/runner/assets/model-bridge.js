#!/usr/bin/env node
// Runs first in an agent's sandbox with `sandbox.network: "model-only"`: the sandbox has a network namespace of
// its own with only a loopback interface, and this bridge listens there on the model gateway's port, passing
// each connection to the gateway's unix socket (bound into the sandbox). So the agent's base URL works as
// outside and reaches the gateway, and nothing else. Then it runs the agent and ends with it.
//   node model-bridge.js <gateway socket> <port> -- <command> [args…]
'use strict';
const { spawn } = require('node:child_process');
const net = require('node:net');
const { constants } = require('node:os');

const [socketPath, port, separator, command, ...args] = process.argv.slice(2);
if (!socketPath || !/^\d+$/.test(port ?? '') || separator !== '--' || !command) {
  process.stderr.write('usage: model-bridge.js <gateway socket> <port> -- <command> [args…]\n');
  process.exit(2);
}

const server = net.createServer((client) => {
  const gateway = net.connect(socketPath);
  client.pipe(gateway).pipe(client);
  client.on('error', () => gateway.destroy());
  gateway.on('error', () => client.destroy());
});

server.listen(Number(port), '127.0.0.1', () => {
  const child = spawn(command, args, { stdio: 'inherit' });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    process.stderr.write(`model-bridge: cannot run ${command}: ${error.message}\n`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
});
server.on('error', (error) => {
  process.stderr.write(`model-bridge: cannot listen on 127.0.0.1:${port}: ${error.message}\n`);
  process.exit(126);
});
