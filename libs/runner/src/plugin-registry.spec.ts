import { definePlugin, Hook, SDK_API_VERSION, type PluginContext } from '@sc/plugin-sdk';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { discoverPlugins, PluginRegistry } from './plugin-registry';

const hello = definePlugin({
  name: 'hello',
  version: '1.2.3',
  apiVersion: SDK_API_VERSION,
  description: 'Says hello.',
  handle: () => ({ summary: 'hello' }),
});

class GreeterPlugin {
  readonly name = 'greeter';
  readonly version = '0.1.0';
  readonly apiVersion = SDK_API_VERSION;
  private readonly greeting = 'hi';

  @Hook('handle')
  run(_order: unknown, ctx: PluginContext) {
    return { summary: `${this.greeting} from ${ctx.phase}` };
  }
}

describe(PluginRegistry.name, () => {
  it('registers a definePlugin() object and lists it', () => {
    const registry = new PluginRegistry();
    registry.register(hello, 'built-in');
    expect(registry.get('hello')?.version).toBe('1.2.3');
    expect(registry.list()).toEqual([
      { name: 'hello', version: '1.2.3', apiVersion: SDK_API_VERSION, description: 'Says hello.', source: 'built-in' },
    ]);
  });

  it('registers a class with a @Hook("handle") method, bound to its instance', async () => {
    const registry = new PluginRegistry();
    const plugin = registry.register(GreeterPlugin, 'greeter-module');
    expect(plugin?.name).toBe('greeter');
    expect(await plugin?.handle({} as never, { phase: 'coding' } as PluginContext)).toEqual({
      summary: 'hi from coding',
    });
  });

  it('keeps a class\'s @Hook("finalize") and @Hook("setup") methods and a definePlugin() finalize and setup', async () => {
    class KeeperPlugin extends GreeterPlugin {
      @Hook('finalize')
      keep() {
        return { summary: 'kept' };
      }

      @Hook('setup')
      prepare() {
        return { summary: 'prepared' };
      }
    }
    const registry = new PluginRegistry();
    const fromClass = registry.register(KeeperPlugin, 'keeper-module');
    expect(await fromClass?.finalize?.({} as never, {} as PluginContext, { status: 'timeout' })).toEqual({
      summary: 'kept',
    });
    expect(await fromClass?.setup?.({} as never, {} as PluginContext)).toEqual({ summary: 'prepared' });
    const [finalize, setup] = [jest.fn(), jest.fn()];
    expect(registry.register({ ...hello, name: 'hello-final', finalize, setup }, 'built-in')).toMatchObject({
      finalize,
      setup,
    });
  });

  it.each([
    [
      'an apiVersion of another major',
      { ...hello, apiVersion: '2.0.0' },
      /apiVersion 2\.0\.0 needs plugin API major 2, this worker's SDK is 1\.\d+\.\d+ \(major 1\)/,
    ],
    ['an apiVersion that is not SemVer', { ...hello, apiVersion: 'one' }, /apiVersion "one" is not a SemVer version/],
    ['a name the work-order schema cannot select', { ...hello, name: 'Hello World' }, /name "Hello World" must match/],
    ['a version that is not SemVer', { ...hello, version: 'latest' }, /version "latest" is not a SemVer version/],
    [
      'no handle',
      { name: 'x', version: '1.0.0', apiVersion: SDK_API_VERSION },
      /neither a definePlugin\(\) object nor a class/,
    ],
    ['a class without @Hook', class Bare {}, /class Bare has no @Hook\("handle"\) method/],
    [
      'a paramsSchema that is no object',
      { ...hello, paramsSchema: 'commands' },
      /paramsSchema must be a JSON Schema object/,
    ],
    ['a setup that is no function', { ...hello, setup: 'npm ci' }, /setup must be a function/],
  ])('refuses %s, logs it and keeps it in refused', (_what, candidate, reason) => {
    const warn = jest.fn();
    const registry = new PluginRegistry({ warn, info: jest.fn() });
    expect(registry.register(candidate, 'some-module')).toBeUndefined();
    expect(registry.refused).toEqual([
      expect.objectContaining({ source: 'some-module', reason: expect.stringMatching(reason) }),
    ]);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ source: 'some-module' }), 'plugin refused');
    expect(registry.names()).toEqual([]);
  });

  it('refuses a second plugin of the same name and keeps the first', () => {
    const registry = new PluginRegistry();
    registry.register(hello, 'built-in');
    registry.register({ ...hello, version: '9.9.9' }, 'other-module');
    expect(registry.get('hello')?.version).toBe('1.2.3');
    expect(registry.refused[0].reason).toBe('duplicate plugin name; built-in already provides "hello"');
  });
});

describe(discoverPlugins.name, () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-plugins-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function writeModule(file: string, source: string): void {
    writeFileSync(join(dir, file), source);
  }

  const pluginSource = (name: string, apiVersion = SDK_API_VERSION) =>
    `module.exports = { name: '${name}', version: '1.0.0', apiVersion: '${apiVersion}', handle: () => ({ summary: '${name}' }) };`;

  it('starts with the built-in agent-cli, echo and shell plugins', async () => {
    const registry = await discoverPlugins({ cwd: dir });
    expect(registry.list()).toEqual(
      ['agent-cli', 'echo', 'shell'].map((name) => expect.objectContaining({ name, source: 'built-in' })),
    );
    expect(registry.get('agent-cli')?.finalize).toEqual(expect.any(Function));
  });

  it('loads modules from the list and from sc.plugins of package.json, and refuses the broken ones', async () => {
    writeModule('a.js', pluginSource('alpha'));
    writeModule('b.js', `exports.plugin = ${pluginSource('beta').replace('module.exports = ', '')}`);
    writeModule('old.js', pluginSource('old', '0.1.0'));
    writeModule('broken.js', 'throw new Error("syntax? no, just broken");');
    writeModule('package.json', JSON.stringify({ name: 'project', sc: { plugins: ['./b.js', './old.js'] } }));
    const registry = await discoverPlugins({ cwd: dir, modules: ['./a.js', './broken.js', 'no-such-plugin-module'] });
    expect(registry.list().map((info) => [info.name, info.source])).toEqual([
      ['agent-cli', 'built-in'],
      ['alpha', './a.js'],
      ['beta', './b.js'],
      ['echo', 'built-in'],
      ['shell', 'built-in'],
    ]);
    expect(registry.refused.map((refused) => [refused.source, refused.reason.split(':')[0]])).toEqual([
      ['./broken.js', 'cannot load'],
      ['no-such-plugin-module', 'cannot load'],
      ['./old.js', expect.stringContaining('apiVersion 0.1.0 needs plugin API major 0')],
    ]);
  });

  it('refuses an sc.plugins that is not a list of strings', async () => {
    writeModule('package.json', JSON.stringify({ sc: { plugins: 'a.js' } }));
    const registry = await discoverPlugins({ cwd: dir });
    expect(registry.refused).toEqual([
      { source: join(dir, 'package.json'), reason: 'sc.plugins must be a list of module names or paths' },
    ]);
    expect(registry.names()).toEqual(['agent-cli', 'echo', 'shell']);
  });
});

describe('discoverPlugins with the examples/plugins/hello package', () => {
  const helloPackage = resolve(__dirname, '../../../examples/plugins/hello');
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-hello-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads it from SC_PLUGINS as a path', async () => {
    const registry = await discoverPlugins({ cwd: dir, modules: [helloPackage] });
    expect(registry.list()).toContainEqual({
      name: 'hello',
      version: '1.0.0',
      apiVersion: '1.0.0',
      description: expect.any(String),
      source: helloPackage,
    });
    expect(registry.refused).toEqual([]);
  });

  it('loads it from sc.plugins of the project package.json, by a relative path', async () => {
    const relativePath = relative(dir, helloPackage);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'project', sc: { plugins: [relativePath] } }));
    const registry = await discoverPlugins({ cwd: dir });
    expect(registry.get('hello')).toBeDefined();
    expect(registry.list().find((info) => info.name === 'hello')?.source).toBe(relativePath);
  });

  it('refuses a copy written for another API major with one clear line, and still loads the rest', async () => {
    const copy = join(dir, 'hello-next');
    cpSync(helloPackage, copy, { recursive: true });
    const source = readFileSync(join(copy, 'index.js'), 'utf8');
    writeFileSync(
      join(copy, 'index.js'),
      source.replace("name: 'hello'", "name: 'hello-next'").replace("apiVersion: '1.0.0'", "apiVersion: '2.0.0'"),
    );
    const warn = jest.fn();
    const registry = await discoverPlugins({
      cwd: dir,
      modules: [copy, helloPackage],
      logger: { warn, info: jest.fn() },
    });
    expect(registry.names()).toEqual(['agent-cli', 'echo', 'hello', 'shell']);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      {
        plugin: 'hello-next',
        source: copy,
        reason: `apiVersion 2.0.0 needs plugin API major 2, this worker's SDK is ${SDK_API_VERSION} (major 1)`,
      },
      'plugin refused',
    );
  });
});
