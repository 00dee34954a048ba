import { definePlugin, SDK_API_VERSION } from '@sc/plugin-sdk';
import { checkPluginParams, checkWorkOrderPlugin } from './plugin-params';
import { PluginRegistry } from './plugin-registry';
import { shellPlugin } from './plugins/shell.plugin';

const plugin = (paramsSchema?: Record<string, unknown>) =>
  definePlugin({
    name: 'strict',
    version: '1.0.0',
    apiVersion: SDK_API_VERSION,
    ...(paramsSchema ? { paramsSchema } : {}),
    handle: () => undefined,
  });

describe(checkPluginParams.name, () => {
  it("checks params against the shell plugin's schema, each issue at its /params path", () => {
    expect(checkPluginParams(shellPlugin, { commands: ['npm test'], github: { issue_number: 7 } })).toEqual([]);
    expect(checkPluginParams(shellPlugin, undefined)).toEqual([]);
    expect(checkPluginParams(shellPlugin, { commands: 'npm test' })).toEqual([
      { path: '/params/commands', message: 'must be array' },
    ]);
    expect(checkPluginParams(shellPlugin, { commands: ['npm test', 7, ''] })).toEqual([
      { path: '/params/commands/1', message: 'must be string' },
      { path: '/params/commands/2', message: 'must NOT have fewer than 1 characters' },
    ]);
  });

  it('passes any params of a plugin that declares no schema, and checks a missing params as {}', () => {
    expect(checkPluginParams(plugin(), { anything: true })).toEqual([]);
    expect(checkPluginParams(plugin({ type: 'object', required: ['target'] }), undefined)).toEqual([
      { path: '/params/target', message: 'is required' },
    ]);
  });

  it('names the plugin when its schema does not compile, rather than throwing', () => {
    expect(checkPluginParams(plugin({ type: 'no-such-type' }), {})).toEqual([
      {
        path: '/params',
        message: expect.stringMatching(/^plugin strict declares a paramsSchema that does not compile: /),
      },
    ]);
  });
});

describe(checkWorkOrderPlugin.name, () => {
  const registry = new PluginRegistry();
  registry.register(shellPlugin, 'built-in');
  registry.register({ ...plugin(), apiVersion: '9.0.0' }, './strict.js');

  it('refuses a plugin this machine does not have, or refused, saying why', () => {
    expect(checkWorkOrderPlugin(registry, { plugin: 'nope' })).toEqual([
      { path: '/plugin', message: 'is not a plugin on this machine; known plugins: shell' },
    ]);
    expect(checkWorkOrderPlugin(registry, { plugin: 'strict' })).toEqual([
      {
        path: '/plugin',
        message: expect.stringMatching(
          /^plugin "strict" was refused on this machine: apiVersion 9\.0\.0 needs plugin API major 9/,
        ),
      },
    ]);
  });

  it('checks the params of a known plugin', () => {
    expect(checkWorkOrderPlugin(registry, { plugin: 'shell', params: { commands: 'ls' } })).toEqual([
      { path: '/params/commands', message: 'must be array' },
    ]);
  });
});
