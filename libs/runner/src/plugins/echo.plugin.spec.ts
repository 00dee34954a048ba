import { createTestContext, createTestWorkOrder } from '@sc/plugin-sdk/testing';
import { echoPlugin } from './echo.plugin';

describe('echoPlugin', () => {
  it('answers the instructions as the summary and keeps params as params.json', async () => {
    const ctx = createTestContext({ phase: 'coding' });
    const outcome = await echoPlugin.handle(
      createTestWorkOrder({ instructions: 'Say hello.', params: { greeting: 'hi' } }),
      ctx,
    );
    expect(outcome).toEqual({ summary: 'Say hello.', status: 'success' });
    expect(JSON.parse(ctx.artifacts.get('params.json')!.toString('utf8'))).toEqual({ greeting: 'hi' });
  });

  it("answers what the attempt was asked besides the work-order (a pull request's review) when there is some", async () => {
    const ctx = createTestContext({ followUp: 'A review requests changes: rename it.' });
    expect(await echoPlugin.handle(createTestWorkOrder({ instructions: 'Say hello.' }), ctx)).toEqual({
      summary: 'A review requests changes: rename it.',
      status: 'success',
    });
  });

  it('stores an empty object when the work-order has no params', async () => {
    const ctx = createTestContext();
    await echoPlugin.handle(createTestWorkOrder(), ctx);
    expect(JSON.parse(ctx.artifacts.get('params.json')!.toString('utf8'))).toEqual({});
  });
});
