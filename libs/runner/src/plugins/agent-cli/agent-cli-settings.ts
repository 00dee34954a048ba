/** What the operator of a worker host sets for the `agent-cli` plugin. */
export interface AgentCliSettings {
  /** `SC_CACHE_MAX_GB`, in bytes: the setup caches of a data folder, least recently used out past it. */
  cacheMaxBytes: number;
  /** `SC_PORT_COUNT`: ports in each agent's block (`SC_PORT_BASE` and the ones after it). */
  portCount: number;
}

/** 10 GB of caches, 10 ports per agent. */
export const defaultAgentCliSettings: AgentCliSettings = Object.freeze({
  cacheMaxBytes: 10 * 1024 ** 3,
  portCount: 10,
});

/** The settings of `env`, defaults where unset; throws one line naming the variable on a bad value. */
export function loadAgentCliSettings(env: NodeJS.ProcessEnv = process.env): AgentCliSettings {
  const maxGb = env.SC_CACHE_MAX_GB?.trim() || undefined;
  const portCount = env.SC_PORT_COUNT?.trim() || undefined;
  if (maxGb !== undefined && !(/^\d+(\.\d+)?$/.test(maxGb) && Number(maxGb) > 0))
    throw new Error(
      `SC_CACHE_MAX_GB: expected a positive number of GB such as 20 or 0.5, got ${JSON.stringify(maxGb)}`,
    );
  if (
    portCount !== undefined &&
    !(/^\d{1,4}$/.test(portCount) && Number(portCount) >= 1 && Number(portCount) <= 1000)
  ) {
    throw new Error(`SC_PORT_COUNT: expected a number of ports from 1 to 1000, got ${JSON.stringify(portCount)}`);
  }
  return Object.freeze({
    cacheMaxBytes: maxGb === undefined ? defaultAgentCliSettings.cacheMaxBytes : Math.round(Number(maxGb) * 1024 ** 3),
    portCount: portCount === undefined ? defaultAgentCliSettings.portCount : Number(portCount),
  });
}
