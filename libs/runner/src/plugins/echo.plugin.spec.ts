import { createTestContext, createTestWorkOrder } from '@sc/plugin-sdk/testing';
import { echoPlugin } from './echo.plugin';

describe('echoPlugin', () => {
  it('answers the instructions as the summary and keeps params as params.json', async () => {
    const ctx = createTestContext({ phase: 'coding' });
    const outcome = await echoPlugin.handle(createTestWorkOrder({ instructions: 'Say hello.', params: { greeting: 'hi' } }), ctx);
    expect(outcome).toEqual({ summary: 'Say hello.', status: 'success' });
    expect(JSON.parse(ctx.artifacts.get('params.json')!.toString('utf8'))).toEqual({ greeting: 'hi' });
  });

  it('stores an empty object when the work-order has no params', async () => {
    const ctx = createTestContext();
    await echoPlugin.handle(createTestWorkOrder(), ctx);
    expect(JSON.parse(ctx.artifacts.get('params.json')!.toString('utf8'))).toEqual({});
  });
});
