/**
 * The contract between agent CLIs and whoever runs them. The workflow engine's `AgentRunner` port is this
 * interface; the engine receives an implementation by injection and never spawns a CLI itself.
 */

/** The agent CLIs Switchyard runs: the one list, read by the template parsers, the database and the API. */
export const AGENT_NAMES = ['claude', 'codex', 'gemini'] as const;
export type AgentName = (typeof AGENT_NAMES)[number];

export interface AgentUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** The outcome of one agent invocation, the same for every CLI. */
export interface AgentResult {
  text: string;
  sessionId: string | null;
  usage: AgentUsage;
  costUsd: number | null;
  numTurns: number | null;
  durationMs: number;
  isError: boolean;
  /** Why the agent was stopped, when it was not its own decision. A `budget` stop pauses the run. */
  stopReason?: 'budget' | 'stalled' | 'aborted';
  /** A human sentence for failures and budget stops. */
  errorMessage?: string;
}

export interface AgentRunRequest {
  agent: AgentName;
  prompt: string;
  cwd: string;
  model?: string;
  allowedTools?: string[];
  permissionMode?: string;
  env?: Record<string, string>;
  /**
   * `HOME` for the CLI. Claude Code and Gemini keep sessions under it (and per cwd), so a resumed step must use the
   * same `home` and `cwd` as the run that started the session. Unset: the runner's own environment decides.
   */
  home?: string;
  /** Continue this CLI session instead of starting a new one (an interrupted step being resumed). */
  resumeSessionId?: string;
  budget?: { maxCostUsd?: number; maxTurns?: number };
  /** No stream output for this long → the CLI is killed and the result says `stalled`. */
  idleTimeoutMs?: number;
  /**
   * Which template and step asked, when a workflow did: the key of the request's cassette when agents are recorded
   * or replayed (cassettes.ts). The CLI never sees it.
   */
  origin?: { template: string; step: string };
}

export interface AgentRunHooks {
  /** Aborted on cancel, pause-now and timeout: the runner kills the CLI's whole process tree. */
  signal: AbortSignal;
  /** Every stream event as it arrives (normalised where known, kept raw otherwise). */
  onEvent(event: unknown): void;
  /** Called once the CLI reports its session id; the caller journals it before the agent goes on. */
  onSessionStarted(sessionId: string): Promise<void> | void;
}

export interface AgentRunner {
  run(request: AgentRunRequest, hooks: AgentRunHooks): Promise<AgentResult>;
}
