import type { ContextExecOptions, ExecResult, PluginContext } from '@sc/plugin-sdk';
import type { ModelGateway } from '../model-gateway/model-gateway';
import type { SandboxRuntime } from './sandbox-runtime';

/**
 * `ctx.exec` of a phase: a command asking for a `sandbox` runs wrapped by `runtime` (or is refused, the
 * promise rejecting with why), reaching `gateway` through its socket when its network is `model-only`, in
 * cgroups of its own when it has limits (`onLimit` is told when one ended it); any other runs as `exec` runs it.
 */
export function sandboxedExec(
  exec: PluginContext['exec'],
  runtime: SandboxRuntime,
  gateway: ModelGateway | undefined,
  onLimit: (what: string) => void,
): PluginContext['exec'] {
  function run(command: string, args: readonly string[], options?: ContextExecOptions): Promise<ExecResult>;
  function run(commandLine: string, options?: ContextExecOptions): Promise<ExecResult>;
  async function run(
    command: string,
    argsOrOptions?: readonly string[] | ContextExecOptions,
    maybeOptions?: ContextExecOptions,
  ): Promise<ExecResult> {
    const withArgs = Array.isArray(argsOrOptions);
    const options = (withArgs ? maybeOptions : argsOrOptions) as ContextExecOptions | undefined;
    if (!options?.sandbox)
      return withArgs ? exec(command, argsOrOptions as readonly string[], options) : exec(command, options);
    const { sandbox, ...rest } = options;
    const [file, args] = withArgs ? [command, argsOrOptions as readonly string[]] : ['/bin/sh', ['-c', command]];
    const bridge = sandbox.network === 'model-only' ? await gateway?.bridgeTarget() : undefined;
    const wrapped = runtime.wrap(file, args, rest.cwd ?? process.cwd(), rest.env ?? {}, sandbox, bridge);
    const cgroup = await runtime.limitsFor(sandbox);
    const [limitedFile, ...limitedArgs] = cgroup
      ? cgroup.wrap([wrapped.file, ...wrapped.args])
      : [wrapped.file, ...wrapped.args];
    const stopWatching = cgroup?.watch(onLimit);
    try {
      return await exec(limitedFile, limitedArgs, { ...rest, env: wrapped.env });
    } finally {
      stopWatching?.();
      await cgroup?.release();
    }
  }
  return run;
}
