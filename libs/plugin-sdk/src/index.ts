/**
 * @sc/plugin-sdk — everything a Solar Circuit plugin imports. The public surface is documented in
 * README.md and follows SemVer; {@link SDK_API_VERSION} is the plugin API a worker checks.
 */
export * from './api-version';
export * from './define-plugin';
export * from './errors';
export * from './exec';
export * from './hook.decorator';
export * from './plugin';
export * from './plugin-context';
export * from './process-group';
export type { AgentResult, AgentSelection, ArtifactRef, StoredWorkOrder, TokenUsage, ToolRefusal } from '@sc/schemas';
