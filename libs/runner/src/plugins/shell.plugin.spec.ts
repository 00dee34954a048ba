import { createTestContext, createTestWorkOrder } from '@sc/plugin-sdk/testing';
import { shellPlugin } from './shell.plugin';

describe('shellPlugin', () => {
  it('runs params.commands in repo.path and logs their output', async () => {
    const ctx = createTestContext({ phase: 'coding' });
    const outcome = await shellPlugin.handle(
      createTestWorkOrder({ repo: { path: '/tmp' }, params: { commands: ['pwd', 'echo done'] } }),
      ctx,
    );
    expect(outcome).toEqual({ summary: 'coding: 2 of 2 command(s) passed', exitCode: 0 });
    expect(ctx.logs.map((line) => line.message)).toEqual(['/tmp', 'done']);
    expect(ctx.artifacts.get('coding.log')?.toString()).toContain('$ echo done\ndone\n[exit 0]');
  });

  it('runs the acceptance commands in the testing phase and fails on the first non-zero exit', async () => {
    const ctx = createTestContext({ phase: 'testing' });
    const outcome = await shellPlugin.handle(
      createTestWorkOrder({ acceptance: ['true', 'exit 4', 'echo never'], params: { commands: ['echo not here'] } }),
      ctx,
    );
    expect(outcome).toEqual({
      summary: 'testing: 2 of 3 command(s) run, the last exited 4',
      exitCode: 4,
      status: 'failure',
    });
    expect(ctx.logs).toEqual([]);
  });

  it('refuses params.commands that is not a list of strings', async () => {
    await expect(
      shellPlugin.handle(createTestWorkOrder({ params: { commands: 'ls' } }), createTestContext()),
    ).rejects.toThrow('params.commands must be a list');
  });
});
