/* Generated from libs/schemas/schemas by scripts/generate-schema-types.js — do not edit. */

/**
 * This agent's idle_timeout, in place of the work-order's (since 1.3).
 */
export type Duration = number | string;
/**
 * This interface was referenced by `WorkOrder`'s JSON-Schema
 * via the `definition` "duration".
 */
export type Duration1 = number | string;
/**
 * An agent with no output line and no model call for this long is stopped and resumed once; a second silence ends its phase timed out (reason idle). ISO-8601 duration or seconds; default PT10M; agents[].idle_timeout overrides it (since 1.3).
 */
export type Duration2 = number | string;
/**
 * Command lines run (through /bin/sh -c, in order, stopping at the first that fails) in each new worktree before the first phase, with the network open whatever sandbox.network says: installs, builds, generated files. Skipped when every cache hits. The repository may hold the same in .sc/setup.yml; the work-order wins, [] included (since 1.5).
 *
 * @maxItems 32
 *
 * This interface was referenced by `WorkOrder`'s JSON-Schema
 * via the `definition` "setupSteps".
 */
export type SetupSteps = string[];
/**
 * A path inside the worktree: relative, "/"-separated, no "." or ".." segment, not under .git.
 *
 * This interface was referenced by `WorkOrder`'s JSON-Schema
 * via the `definition` "relativePath".
 */
export type RelativePath = string;
/**
 * Folders a setup produces (node_modules, .venv), kept on the worker host per key: a later Round whose key is the same gets each folder without running setup. The repository may hold the same in .sc/setup.yml; the work-order wins, [] included (since 1.5).
 *
 * @maxItems 16
 *
 * This interface was referenced by `WorkOrder`'s JSON-Schema
 * via the `definition` "caches".
 */
export type Caches = CacheEntry[];
/**
 * How long to wait for a decision (ISO-8601 duration or seconds); then the Round is rejected. Default: no limit.
 */
export type Duration3 = number | string;

/**
 * A work-order: what to change, in which repository, with which agents, within which budgets. Schema version 1.6 (the @1 in the file name is the major).
 */
export interface WorkOrder {
  /**
   * Version of this schema the document was written for; any 1.x is read.
   */
  schema_version?: string;
  /**
   * Client-chosen unique id; submitting the same id again returns the same Round.
   */
  id?: string;
  title: string;
  instructions: string;
  /**
   * Name of the plugin that runs the Round.
   */
  plugin?: string;
  repo?: RepoRef;
  /**
   * Branch the work goes to; default feat/wo-<yyyymmdd>-<slug of title>-<short id> (since 1.4 the short id, from the work-order id, makes it unique per work-order). A branch that a Round of another work-order is on is refused (409) unless continue_branch is true.
   */
  branch?: string;
  /**
   * Continue a branch that Rounds of other work-orders are on (their commits stay, this Round's go on top); without it such a branch is refused. Default false (since 1.4).
   */
  continue_branch?: boolean;
  /**
   * @maxItems 16
   */
  agents?: Agent[];
  /**
   * Which agents' work counts when there are several (since 1.6): all — the default, every agent must pass its phases and acceptance; best — the Round succeeds when at least one agent's worktree passes acceptance (every acceptance command is run in each worktree), and the winner is the passing agent with the fewest failed acceptance commands, then the lowest cost, then the first listed; the review diff, approval and pull request use the winner's branch. best needs testing as the last phase.
   */
  select?: 'all' | 'best';
  /**
   * @minItems 1
   * @maxItems 16
   */
  phases?: [string, ...string[]];
  /**
   * Timeout per phase: ISO-8601 duration ("PT30M") or seconds. Defaults: coding 30 min, testing 45 min.
   */
  phase_timeout?: {
    [k: string]: Duration1;
  };
  idle_timeout?: Duration2;
  budget?: Budget;
  sandbox?: Sandbox;
  /**
   * 1 (most urgent) to 10 (least urgent).
   */
  priority?: number;
  /**
   * @maxItems 32
   */
  labels?: string[];
  /**
   * Commands that must pass for the Round to succeed.
   *
   * @maxItems 64
   */
  acceptance?: string[];
  setup?: SetupSteps;
  cache?: Caches;
  /**
   * Free object for the plugin.
   */
  params?: {
    [k: string]: unknown;
  };
  review?: ReviewGate;
  /**
   * http(s) URLs that get a POST when the Round finishes, waits for a rate limit or awaits review (round.finished, round.waiting, round.awaiting_review), as SC_NOTIFY_URLS do (since 1.5).
   *
   * @maxItems 10
   */
  notify?: string[];
  pull_request?: PullRequestRequest;
}
export interface RepoRef {
  url?: string;
  path?: string;
  base_ref?: string;
}
/**
 * This interface was referenced by `WorkOrder`'s JSON-Schema
 * via the `definition` "agent".
 */
export interface Agent {
  name: string;
  model: string;
  role: string;
  /**
   * Command line to run; without it, claude, codex and gemini use their built-in template.
   */
  command?: string;
  /**
   * What the agent may do: "full" (default) edits files and runs shell commands in its worktree; "read-only" reads and searches only (a reviewer): its sandbox mounts the worktree read-only, and a built-in CLI is told to refuse writes and commands (since 1.3).
   */
  tools?: 'full' | 'read-only';
  idle_timeout?: Duration;
}
export interface Budget {
  max_tokens?: number;
  max_cost_usd?: number;
}
/**
 * How each agent of the Round is confined (since 1.3). Its worktree is writable and nothing else; these add network and resource limits.
 */
export interface Sandbox {
  /**
   * "open" (default): the network as the worker has it; "model-only": the model gateway and nothing else; "none": no network at all, not even the model.
   */
  network?: 'open' | 'model-only' | 'none';
  /**
   * Memory of each agent's whole process tree, in MiB.
   */
  memory_mb?: number;
  /**
   * Processes and threads each agent's tree may have at once.
   */
  pids?: number;
}
export interface CacheEntry {
  path: RelativePath;
  /**
   * Files whose content (with the repository, the setup steps and the path) makes the key (package-lock.json, poetry.lock).
   *
   * @minItems 1
   * @maxItems 16
   */
  key_files: [RelativePath, ...RelativePath[]];
}
/**
 * Hold the Round for a person's decision before it ships (since 1.5): with required, a Round whose phases all succeed waits in awaiting_review for POST /rounds/:id/approve (then its pull request, if one is asked for, and succeeded) or /reject (failed, the branch kept); after timeout it is rejected.
 */
export interface ReviewGate {
  /**
   * Wait for approval before the Round succeeds.
   */
  required: boolean;
  timeout?: Duration3;
}
/**
 * Open (or update) a pull request when the Round ends with commits: the branch is pushed to the repository's remote and the body is rendered from the Report. Since 1.2.
 */
export interface PullRequestRequest {
  /**
   * Open it as a draft.
   */
  draft?: boolean;
  /**
   * Branch to merge into; default the repository's base_ref, else its default branch.
   */
  base?: string;
  /**
   * Labels put on the pull request.
   *
   * @maxItems 32
   */
  labels?: string[];
  /**
   * GitHub logins asked to review.
   *
   * @maxItems 15
   */
  reviewers?: string[];
}
