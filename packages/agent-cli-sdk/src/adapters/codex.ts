/**
 * Codex CLI: `codex exec --json --skip-git-repo-check [resume <thread_id>] -- <prompt>`.
 *
 * Stream facts this parser relies on (see reference/codex-exec-json-samples.txt):
 * - There is no final `result` line: `turn.completed {usage}` ends a good run, `turn.failed {error}` a failed one.
 * - `turn.completed.usage` is cumulative for the THREAD, across resumed runs; a resumed run subtracts what the thread
 *   had used before it (codex-thread-usage.ts), so usage is the run's own as with the other CLIs. No cost is reported.
 * - Only tool items (command_execution…) get `item.started`; messages and reasoning arrive once, completed.
 * - `error` lines are retry notices ("Reconnecting... 1/5"); the outcome is decided by `turn.failed`.
 */
import { z } from 'zod';
import { contentToText, parseJsonLine } from '../adapter.ts';
import type { AgentAdapter, StreamParser } from '../adapter.ts';
import { emptyUsage } from '../events.ts';
import type { AgentEvent } from '../events.ts';
import type { AgentRunRequest, AgentUsage } from '../types.ts';
import { codexThreadUsage } from './codex-thread-usage.ts';

const usageSchema = z.looseObject({
  input_tokens: z.number().optional(),
  cached_input_tokens: z.number().optional(),
  cache_write_input_tokens: z.number().optional(),
  output_tokens: z.number().optional(),
});

const itemSchema = z.discriminatedUnion('type', [
  z.looseObject({ id: z.string(), type: z.literal('agent_message'), text: z.string() }),
  z.looseObject({ id: z.string(), type: z.literal('reasoning'), text: z.string() }),
  z.looseObject({
    id: z.string(),
    type: z.literal('command_execution'),
    command: z.string(),
    aggregated_output: z.string().nullish(),
    exit_code: z.number().nullish(),
    status: z.string().optional(),
  }),
  z.looseObject({
    id: z.string(),
    type: z.literal('file_change'),
    changes: z.array(z.looseObject({ path: z.string(), kind: z.string().optional() })),
    status: z.string().optional(),
  }),
  z.looseObject({
    id: z.string(),
    type: z.literal('mcp_tool_call'),
    server: z.string(),
    tool: z.string(),
    arguments: z.unknown(),
    result: z.looseObject({ content: z.unknown() }).nullish(),
    error: z.looseObject({ message: z.string() }).nullish(),
    status: z.string().optional(),
  }),
  z.looseObject({ id: z.string(), type: z.literal('web_search'), query: z.string() }),
  z.looseObject({ id: z.string(), type: z.literal('error'), message: z.string() }),
]);

type Item = z.infer<typeof itemSchema>;

const itemLineSchema = z.looseObject({ item: z.looseObject({ id: z.string(), type: z.string() }) });
const threadStartedSchema = z.looseObject({ thread_id: z.string() });
const turnCompletedSchema = z.looseObject({ usage: usageSchema });
const turnFailedSchema = z.looseObject({ error: z.looseObject({ message: z.string() }) });
const errorSchema = z.looseObject({ message: z.string() });

/** Claude-style permission modes mapped to Codex sandboxes; Codex's own sandbox names pass through. */
const SANDBOX_FOR_MODE: Record<string, string> = {
  plan: 'read-only',
  default: 'workspace-write',
  acceptEdits: 'workspace-write',
  bypassPermissions: 'danger-full-access',
};

export function buildCodexArgs(request: AgentRunRequest): string[] {
  // Exec-level flags go before `resume`: a resumed run does not inherit the first run's sandbox.
  const args = ['exec', '--json', '--skip-git-repo-check'];
  if (request.model) args.push('--model', request.model);
  if (request.permissionMode)
    args.push('--sandbox', SANDBOX_FOR_MODE[request.permissionMode] ?? request.permissionMode);
  if (request.resumeSessionId) args.push('resume', request.resumeSessionId);
  // After `--`, so that a prompt starting with `-` is not taken for an option (0.169.0 exits 2 on "- …" without it).
  args.push('--', request.prompt);
  return args;
}

function toUsage(usage: z.infer<typeof usageSchema>): AgentUsage {
  return {
    input: usage.input_tokens ?? 0,
    output: usage.output_tokens ?? 0,
    cacheRead: usage.cached_input_tokens ?? 0,
    cacheWrite: usage.cache_write_input_tokens ?? 0,
  };
}

/** How a tool item is announced; `null` for items that are not tool calls. */
function toolCall(item: Item): { name: string; input: unknown } | null {
  switch (item.type) {
    case 'command_execution':
      return { name: 'command_execution', input: { command: item.command } };
    case 'file_change':
      return { name: 'file_change', input: { changes: item.changes } };
    case 'mcp_tool_call':
      return { name: `mcp:${item.server}/${item.tool}`, input: item.arguments };
    case 'web_search':
      return { name: 'web_search', input: { query: item.query } };
    default:
      return null;
  }
}

function toolOutput(item: Item): { output: string; isError: boolean } {
  switch (item.type) {
    case 'command_execution':
      return {
        output: item.aggregated_output ?? '',
        isError:
          item.status === 'failed' || (item.exit_code !== null && item.exit_code !== undefined && item.exit_code !== 0),
      };
    case 'file_change':
      return {
        output: item.changes.map((change) => `${change.kind ?? 'change'} ${change.path}`).join('\n'),
        isError: item.status === 'failed',
      };
    case 'mcp_tool_call':
      return item.error
        ? { output: item.error.message, isError: true }
        : { output: contentToText(item.result?.content), isError: item.status === 'failed' };
    default:
      return { output: '', isError: false };
  }
}

const minus = (total: AgentUsage, before: AgentUsage | null): AgentUsage =>
  before
    ? {
        input: Math.max(0, total.input - before.input),
        output: Math.max(0, total.output - before.output),
        cacheRead: Math.max(0, total.cacheRead - before.cacheRead),
        cacheWrite: Math.max(0, total.cacheWrite - before.cacheWrite),
      }
    : total;

export function createCodexParser(run?: { request: AgentRunRequest; env: NodeJS.ProcessEnv }): StreamParser {
  const resumed = run?.request.resumeSessionId;
  /** The resumed thread's usage before this run, subtracted from Codex's thread totals. */
  const before = resumed ? codexThreadUsage(run.env, resumed) : null;
  let threadId: string | null = null;
  let lastMessage = '';
  let turnsStarted = 0;
  let turnsEnded = 0;
  let usage = emptyUsage();
  const announced = new Set<string>();

  const onItem = (phase: 'started' | 'updated' | 'completed', line: Record<string, unknown>): AgentEvent[] | null => {
    if (!itemLineSchema.safeParse(line).success) return null;
    const parsed = itemSchema.safeParse(line.item);
    if (!parsed.success) return null; // todo_list and item types added later are kept raw
    const item = parsed.data;
    if (item.type === 'agent_message') {
      if (phase !== 'completed') return [];
      lastMessage = item.text;
      return [{ type: 'message.text', text: item.text }];
    }
    if (item.type === 'reasoning') return phase === 'completed' ? [{ type: 'message.thinking', text: item.text }] : [];
    if (item.type === 'error') return [{ type: 'error', message: item.message, fatal: false, source: 'agent' }];
    const call = toolCall(item);
    if (!call) return null;
    const events: AgentEvent[] = [];
    if (!announced.has(item.id)) {
      announced.add(item.id);
      events.push({ type: 'tool.call', id: item.id, ...call });
    }
    if (phase === 'completed') events.push({ type: 'tool.result', id: item.id, ...toolOutput(item) });
    return events;
  };

  const handlers: Record<string, (line: Record<string, unknown>) => AgentEvent[] | null> = {
    'thread.started'(line) {
      const parsed = threadStartedSchema.safeParse(line);
      if (!parsed.success) return null;
      threadId = parsed.data.thread_id;
      return [{ type: 'session.started', sessionId: threadId }];
    },
    'turn.started'() {
      turnsStarted += 1;
      return [];
    },
    'item.started': (line) => onItem('started', line),
    'item.updated': (line) => onItem('updated', line),
    'item.completed': (line) => onItem('completed', line),
    'turn.completed'(line) {
      const parsed = turnCompletedSchema.safeParse(line);
      if (!parsed.success) return null;
      turnsEnded += 1;
      usage = minus(toUsage(parsed.data.usage), before);
      const base = { usage: { ...usage }, costUsd: null, sessionId: threadId, numTurns: turnsEnded, durationMs: null };
      return [
        { type: 'usage', usage: { ...usage }, costUsd: null, turns: turnsEnded },
        { type: 'result', isError: false, text: lastMessage, ...base },
      ];
    },
    'turn.failed'(line) {
      const parsed = turnFailedSchema.safeParse(line);
      if (!parsed.success) return null;
      turnsEnded += 1;
      return [
        {
          type: 'result',
          isError: true,
          text: lastMessage,
          errorMessage: parsed.data.error.message,
          usage: { ...usage },
          costUsd: null,
          sessionId: threadId,
          numTurns: turnsEnded,
          durationMs: null,
        },
      ];
    },
    error(line) {
      const parsed = errorSchema.safeParse(line);
      if (!parsed.success) return null;
      return [{ type: 'error', message: parsed.data.message, fatal: false, source: 'agent' }];
    },
  };

  return {
    parseLine: (line) =>
      parseJsonLine('codex', line, (value) =>
        typeof value.type === 'string' && Object.hasOwn(handlers, value.type) ? handlers[value.type]!(value) : null,
      ),
    progress: () => ({ turns: turnsStarted, costUsd: null }),
  };
}

export const codexAdapter: AgentAdapter = {
  agent: 'codex',
  binaryName: 'codex',
  pathEnvVar: 'SWITCHYARD_CODEX_PATH',
  installHint: 'npm install -g @openai/codex',
  // OPENAI_API_KEY and friends, and CODEX_HOME (its config and sessions). A custom provider's `env_key` in
  // config.toml names a variable of its own: pass it with SWITCHYARD_STEP_ENV.
  environment: ['OPENAI_*', 'CODEX_*', 'AZURE_OPENAI_*', 'RUST_LOG'],
  buildArgs: buildCodexArgs,
  createParser: createCodexParser,
};
