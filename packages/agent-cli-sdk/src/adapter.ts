/**
 * The shape every agent CLI adapter has: how to call the CLI, and how to read its stream. Adapters are symmetric so
 * the runner never branches on which agent it is driving.
 */
import { malformedLineEvent } from './events.ts';
import type { AgentEvent } from './events.ts';
import type { AgentName, AgentRunRequest } from './types.ts';

/** Running figures the runner compares with `request.budget` after every line. */
export interface StreamProgress {
  turns: number;
  /** Reported or estimated cost so far; `null` when this CLI gives no way to know it mid-run. */
  costUsd: number | null;
}

/** Reads one CLI's stream; holds the state needed across lines (usage seen per message, text so far). */
export interface StreamParser {
  /** One stdout line in, its events out. Never throws: unknown lines become `raw`, non-JSON lines an `error`. */
  parseLine(line: string): AgentEvent[];
  progress(): StreamProgress;
}

export interface AgentAdapter {
  agent: AgentName;
  /** Looked up on PATH when neither the options nor `pathEnvVar` name a binary. */
  binaryName: string;
  pathEnvVar: string;
  installHint: string;
  /** The variables this CLI reads besides the base allowlist (environment.ts), as names or `PREFIX_*`. */
  environment: readonly string[];
  /** argv after the binary, for a fresh run or, with `request.resumeSessionId`, a resumed one. */
  buildArgs(request: AgentRunRequest): string[];
  /**
   * A parser for one invocation. The runner creates it before spawning, with the request and the CLI's environment,
   * so an adapter can read what the CLI keeps on disk before the CLI changes it (Codex: the resumed thread's usage).
   */
  createParser(run?: { request: AgentRunRequest; env: NodeJS.ProcessEnv }): StreamParser;
}

/**
 * The common half of every parser: JSON per line (never prefix matching), objects handed to the adapter, which
 * returns `null` for a line it does not recognise so that it is kept raw.
 */
export function parseJsonLine(
  agent: AgentName,
  line: string,
  handle: (value: Record<string, unknown>) => AgentEvent[] | null,
): AgentEvent[] {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return [malformedLineEvent(line)];
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [{ type: 'raw', agent, data: value }];
  return handle(value as Record<string, unknown>) ?? [{ type: 'raw', agent, data: value }];
}

/** Tool output comes as a string or as content blocks; events carry plain text. */
export function contentToText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((block) =>
        typeof block === 'object' && block !== null && 'text' in block && typeof block.text === 'string'
          ? block.text
          : '',
      )
      .join('');
  }
  return content === undefined || content === null ? '' : JSON.stringify(content);
}
