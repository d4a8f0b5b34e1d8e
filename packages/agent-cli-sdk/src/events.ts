/**
 * The one event model every agent CLI stream is normalised into.
 *
 * Glossary:
 * - **line**: one newline-terminated chunk of a CLI's stdout, expected to hold one JSON object.
 * - **event**: what a line means, as an `AgentEvent`. One line yields zero or more events.
 * - **session**: the CLI's own conversation id (Claude `session_id`, Codex `thread_id`, Gemini `session_id`); passing
 *   it back as `resumeSessionId` continues the conversation.
 * - **turn**: one model response (one API message); tool loops make several turns per run.
 */
import type { AgentName, AgentUsage } from './types.ts';

/** The CLI reported its session id; it is journaled before the stream is read further. */
export interface SessionStartedEvent {
  type: 'session.started';
  sessionId: string;
  model?: string;
}

/** Assistant text. `delta: true` means a streamed fragment to be concatenated with the previous one (Gemini). */
export interface MessageTextEvent {
  type: 'message.text';
  text: string;
  delta?: boolean;
}

export interface MessageThinkingEvent {
  type: 'message.thinking';
  text: string;
}

/** The agent asked to run a tool. `id` pairs it with its `tool.result`. */
export interface ToolCallEvent {
  type: 'tool.call';
  id: string;
  name: string;
  input: unknown;
}

export interface ToolResultEvent {
  type: 'tool.result';
  id: string;
  output: string;
  isError: boolean;
}

/**
 * Running totals for this run so far (not increments). `costUsd` is what the CLI reported, or an estimate from token
 * counts when the CLI only reports cost at the end (`costEstimated: true`); `null` when it cannot be known.
 */
export interface UsageEvent {
  type: 'usage';
  usage: AgentUsage;
  costUsd: number | null;
  costEstimated?: boolean;
  turns: number;
}

/** The CLI's own final report. A run without one is a failure (the runner says so). */
export interface ResultEvent {
  type: 'result';
  isError: boolean;
  text: string;
  sessionId: string | null;
  usage: AgentUsage;
  costUsd: number | null;
  numTurns: number | null;
  /** The CLI's own measure, when it gives one; the runner's `AgentResult.durationMs` is wall time. */
  durationMs: number | null;
  errorMessage?: string;
  /** The CLI's own classification (`success`, `error_during_execution`, `error_max_turns`…), where it has one. */
  subtype?: string;
}

/**
 * Something went wrong. `fatal: false` covers retries and warnings the CLI recovers from; the run's outcome is still
 * decided by the `result` event. `source: 'stream'` marks a line that was not JSON (it is skipped).
 */
export interface ErrorEvent {
  type: 'error';
  message: string;
  fatal: boolean;
  source: 'agent' | 'stream';
}

/** A line the adapter does not know, kept as the CLI wrote it (parsed JSON). */
export interface RawEvent {
  type: 'raw';
  agent: AgentName;
  data: unknown;
}

export type AgentEvent =
  | SessionStartedEvent
  | MessageTextEvent
  | MessageThinkingEvent
  | ToolCallEvent
  | ToolResultEvent
  | UsageEvent
  | ResultEvent
  | ErrorEvent
  | RawEvent;

export type AgentEventType = AgentEvent['type'];

export function emptyUsage(): AgentUsage {
  return { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
}

/** Keeps diagnostics readable: a 1 MB garbage line is reported by its head, not copied whole into the event log. */
export function malformedLineEvent(line: string, maxChars = 500): ErrorEvent {
  const head = line.length > maxChars ? `${line.slice(0, maxChars)}… (${line.length} chars)` : line;
  return { type: 'error', message: `skipped a stream line that is not JSON: ${head}`, fatal: false, source: 'stream' };
}
