import { SDK_API_VERSION, semverMajor } from '@sc/plugin-sdk';
import { createTestContext, createTestWorkOrder, type TestContext } from '@sc/plugin-sdk/testing';
import hello from './index';

describe('sc-plugin-hello', () => {
  let ctx: TestContext;

  afterEach(() => ctx.dispose());

  it('says hello with the work-order title and keeps it as an artifact', async () => {
    ctx = createTestContext({ phase: 'coding' });
    const outcome = await hello.handle(
      createTestWorkOrder({ title: 'Fix the login', params: { greeting: 'Hi' } }),
      ctx,
    );
    expect(outcome).toEqual({ summary: 'Hi, Fix the login! (phase coding)', exitCode: 0 });
    expect(ctx.artifacts.get('coding/hello.txt')?.toString()).toBe('Hi, Fix the login! (phase coding)\n');
    expect(ctx.logs).toEqual([
      { level: 'info', message: 'said hello', fields: { artifact: 'coding/hello.txt', bytes: 34 } },
    ]);
  });

  it('greets with "Hello" when params.greeting is not a string', async () => {
    ctx = createTestContext({ phase: 'testing' });
    const outcome = await hello.handle(createTestWorkOrder({ title: 'X', params: { greeting: 42 } }), ctx);
    expect(outcome).toMatchObject({ summary: 'Hello, X! (phase testing)' });
  });

  it('fails without writing anything when its phase was already stopped', async () => {
    ctx = createTestContext();
    ctx.abort(new Error('cancelled'));
    const outcome = await hello.handle(createTestWorkOrder(), ctx);
    expect(outcome).toMatchObject({ status: 'failure' });
    expect(ctx.artifacts.size).toBe(0);
  });

  it('declares a plugin API this SDK runs', () => {
    expect(hello.name).toBe('hello');
    expect(semverMajor(hello.apiVersion)).toBe(semverMajor(SDK_API_VERSION));
  });
});
