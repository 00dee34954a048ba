/**
 * The plugin API version this SDK implements (SemVer). A worker loads a plugin only when the major of the
 * plugin's `apiVersion` equals the major of this value: a new major may change what `handle()` receives.
 */
export const SDK_API_VERSION = '1.5.0';

const semver = /^(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** The major number of a SemVer string, or undefined when the string is not SemVer (`1.2.3`, `2.0.0-rc.1`). */
export function semverMajor(version: string): number | undefined {
  const match = semver.exec(version);
  return match ? Number(match[1]) : undefined;
}

/**
 * Why a plugin's `apiVersion` cannot run on this SDK, or undefined when it can. The message is meant for
 * the line a worker logs when it refuses the plugin.
 */
export function apiVersionMismatch(apiVersion: string): string | undefined {
  const major = semverMajor(apiVersion);
  if (major === undefined) return `apiVersion "${apiVersion}" is not a SemVer version such as "${SDK_API_VERSION}"`;
  const sdkMajor = semverMajor(SDK_API_VERSION);
  if (major !== sdkMajor) {
    return `apiVersion ${apiVersion} needs plugin API major ${major}, this worker's SDK is ${SDK_API_VERSION} (major ${sdkMajor})`;
  }
  return undefined;
}
