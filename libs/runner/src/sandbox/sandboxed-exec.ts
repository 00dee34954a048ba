import type { ContextExecOptions, ExecResult, PluginContext } from '@sc/plugin-sdk';
import type { SandboxRuntime } from './sandbox-runtime';

/**
 * `ctx.exec` of a phase: a command asking for a `sandbox` runs wrapped by `runtime` (or is refused, the
 * promise rejecting with why); any other runs as `exec` runs it.
 */
export function sandboxedExec(exec: PluginContext['exec'], runtime: SandboxRuntime): PluginContext['exec'] {
  function run(command: string, args: readonly string[], options?: ContextExecOptions): Promise<ExecResult>;
  function run(commandLine: string, options?: ContextExecOptions): Promise<ExecResult>;
  async function run(command: string, argsOrOptions?: readonly string[] | ContextExecOptions, maybeOptions?: ContextExecOptions): Promise<ExecResult> {
    const withArgs = Array.isArray(argsOrOptions);
    const options = (withArgs ? maybeOptions : argsOrOptions) as ContextExecOptions | undefined;
    if (!options?.sandbox) return withArgs ? exec(command, argsOrOptions as readonly string[], options) : exec(command, options);
    const { sandbox, ...rest } = options;
    const [file, args] = withArgs ? [command, argsOrOptions as readonly string[]] : ['/bin/sh', ['-c', command]];
    const wrapped = runtime.wrap(file, args, rest.cwd ?? process.cwd(), rest.env ?? {}, sandbox);
    return exec(wrapped.file, wrapped.args, { ...rest, env: wrapped.env });
  }
  return run;
}
