// @ts-check
// Plain CommonJS with JSDoc types: the worker loads this file as it is, with no build step.
const { definePlugin } = require('@sc/plugin-sdk');

/**
 * Says hello in every phase: the greeting (`params.greeting`, default "Hello") and the work-order's title
 * become the phase's summary, and the artifact `<phase>/hello.txt`. The `hello` file is created with a
 * real process through `ctx.exec`, to show that a plugin's commands run in their own process group and
 * stop with the phase.
 */
module.exports = definePlugin({
  name: 'hello',
  version: '1.0.0',
  // The plugin API this file was written against (not the SDK that happens to load it): a worker whose SDK
  // has another major refuses it with one clear line.
  apiVersion: '1.0.0',
  description: 'Says hello in every phase; params.greeting changes the greeting.',
  async handle(order, ctx) {
    const greeting = typeof order.params?.greeting === 'string' ? order.params.greeting : 'Hello';
    const message = `${greeting}, ${order.title}! (phase ${ctx.phase})`;
    const result = await ctx.exec('printf', ['%s\\n', message]);
    if (result.aborted) return { summary: `${ctx.phase} stopped before saying hello`, status: 'failure' };
    const artifact = await ctx.writeArtifact(`${ctx.phase}/hello.txt`, result.stdoutTail);
    ctx.logger.info({ artifact: artifact.name, bytes: artifact.bytes }, 'said hello');
    return { summary: message, exitCode: result.exitCode };
  },
});
