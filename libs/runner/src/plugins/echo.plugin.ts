import { definePlugin, SDK_API_VERSION } from '@sc/plugin-sdk';

/**
 * The smallest useful plugin, and the one the end-to-end tests run: every phase answers the work-order's
 * instructions (or what this attempt was asked besides them, `ctx.followUp`) as the summary and keeps its `params` as the artifact `params.json`.
 */
export const echoPlugin = definePlugin({
  name: 'echo',
  version: '1.0.0',
  apiVersion: SDK_API_VERSION,
  description: 'Echoes the instructions as the summary and keeps params as params.json.',
  async handle(order, ctx) {
    const artifact = await ctx.writeArtifact('params.json', `${JSON.stringify(order.params ?? {}, null, 2)}\n`);
    ctx.logger.info({ artifact: artifact.name, bytes: artifact.bytes }, 'params stored');
    return { summary: ctx.followUp ?? order.instructions, status: 'success' };
  },
});
