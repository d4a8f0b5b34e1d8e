/**
 * Claude Code: `claude -p --output-format stream-json --verbose [--resume <session_id>] -- <prompt>`.
 *
 * Stream facts this parser relies on (see reference/claude-code-stream-json-samples.txt):
 * - `assistant` lines carry ONE content block each, so one API message with text + tool_use arrives as several lines
 *   sharing `message.id`, each repeating the same usage. Usage is therefore kept per message id and summed once.
 * - API failures are an `assistant` line with model `<synthetic>` and a top-level `error`, then a `result` with
 *   `subtype: "success"` but `is_error: true`: the outcome is read from `is_error`, never from `subtype`.
 * - A failure before any turn (an unknown `--resume` id) is a lone `result` with `errors[]` and no `result` text.
 */
import { z } from 'zod';
import { contentToText, parseJsonLine } from '../adapter.ts';
import type { AgentAdapter, StreamParser } from '../adapter.ts';
import { emptyUsage } from '../events.ts';
import type { AgentEvent } from '../events.ts';
import type { AgentRunRequest, AgentUsage } from '../types.ts';
import { estimateClaudeCostUsd } from './claude-pricing.ts';

const usageSchema = z.looseObject({
  input_tokens: z.number().optional(),
  output_tokens: z.number().optional(),
  cache_read_input_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
});

const initSchema = z.looseObject({ session_id: z.string(), model: z.string().optional() });

const apiRetrySchema = z.looseObject({
  attempt: z.number(),
  max_retries: z.number(),
  error_status: z.number().nullish(),
  error: z.string().nullish(),
});

/** Blocks of other types (images, server tool results…) are skipped; the line itself still parses. */
const contentBlockSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text'), text: z.string() }),
  z.looseObject({ type: z.literal('thinking'), thinking: z.string() }),
  z.looseObject({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() }),
  z.looseObject({
    type: z.literal('tool_result'),
    tool_use_id: z.string(),
    content: z.unknown(),
    is_error: z.boolean().nullish(),
  }),
]);

type ContentBlock = z.infer<typeof contentBlockSchema>;

function knownBlocks(content: unknown[]): ContentBlock[] {
  return content.flatMap((block) => {
    const parsed = contentBlockSchema.safeParse(block);
    return parsed.success ? [parsed.data] : [];
  });
}

const assistantSchema = z.looseObject({
  message: z.looseObject({
    id: z.string(),
    model: z.string().optional(),
    content: z.array(z.unknown()),
    usage: usageSchema.nullish(),
  }),
  parent_tool_use_id: z.string().nullish(),
  error: z.string().nullish(),
});

const userSchema = z.looseObject({
  message: z.looseObject({ content: z.union([z.string(), z.array(z.unknown())]) }),
});

const resultSchema = z.looseObject({
  subtype: z.string(),
  is_error: z.boolean(),
  duration_ms: z.number().nullish(),
  num_turns: z.number().nullish(),
  result: z.string().nullish(),
  session_id: z.string().nullish(),
  total_cost_usd: z.number().nullish(),
  usage: usageSchema.nullish(),
  errors: z.array(z.string()).nullish(),
});

function toUsage(usage: z.infer<typeof usageSchema> | null | undefined): AgentUsage {
  return {
    input: usage?.input_tokens ?? 0,
    output: usage?.output_tokens ?? 0,
    cacheRead: usage?.cache_read_input_tokens ?? 0,
    cacheWrite: usage?.cache_creation_input_tokens ?? 0,
  };
}

function addUsage(total: AgentUsage, usage: AgentUsage, sign: 1 | -1): void {
  total.input += sign * usage.input;
  total.output += sign * usage.output;
  total.cacheRead += sign * usage.cacheRead;
  total.cacheWrite += sign * usage.cacheWrite;
}

const sameUsage = (a: AgentUsage, b: AgentUsage): boolean =>
  a.input === b.input && a.output === b.output && a.cacheRead === b.cacheRead && a.cacheWrite === b.cacheWrite;

export function buildClaudeArgs(request: AgentRunRequest): string[] {
  // `-p` is a switch; the prompt is the positional argument, placed last after `--` so that a prompt starting with
  // `-` is not taken for an option (verified with 2.1.197: without `--`, "-x …" fails as an unknown option).
  const args = ['-p', '--output-format', 'stream-json', '--verbose'];
  if (request.model) args.push('--model', request.model);
  if (request.permissionMode) args.push('--permission-mode', request.permissionMode);
  // Comma-joined: `--allowedTools` is variadic, and separate words would swallow any argument placed after it.
  if (request.allowedTools?.length) args.push('--allowedTools', request.allowedTools.join(','));
  if (request.resumeSessionId) args.push('--resume', request.resumeSessionId);
  args.push('--', request.prompt);
  return args;
}

export function createClaudeParser(): StreamParser {
  /** Usage per API message id: the latest figures seen for it, so repeats replace rather than add. */
  const messages = new Map<string, { usage: AgentUsage; cost: number | null }>();
  const total = emptyUsage();
  let turns = 0;
  let estimatedCost = 0;
  let costKnown = true;

  const recordUsage = (id: string, model: string, usage: AgentUsage, isTurn: boolean): AgentEvent[] => {
    const previous = messages.get(id);
    if (previous && sameUsage(previous.usage, usage)) return [];
    const cost = estimateClaudeCostUsd(model, usage);
    if (previous) {
      addUsage(total, previous.usage, -1);
      estimatedCost -= previous.cost ?? 0;
    } else if (isTurn) {
      turns += 1;
    }
    if (cost === null) costKnown = false;
    addUsage(total, usage, 1);
    estimatedCost += cost ?? 0;
    messages.set(id, { usage, cost });
    const costUsd = costKnown ? estimatedCost : null;
    return [{ type: 'usage', usage: { ...total }, costUsd, costEstimated: costUsd !== null, turns }];
  };

  const handlers: Record<string, (line: Record<string, unknown>) => AgentEvent[] | null> = {
    system(line) {
      if (line.subtype === 'init') {
        const init = initSchema.safeParse(line);
        if (!init.success) return null;
        return [{ type: 'session.started', sessionId: init.data.session_id, model: init.data.model }];
      }
      if (line.subtype === 'api_retry') {
        const retry = apiRetrySchema.safeParse(line);
        if (!retry.success) return null;
        const { attempt, max_retries, error_status, error } = retry.data;
        const status = error_status ?? 'no status';
        const message = `API request failed (${status}, ${error ?? 'error'}), retry ${attempt}/${max_retries}`;
        return [{ type: 'error', message, fatal: false, source: 'agent' }];
      }
      return null;
    },

    assistant(line) {
      const parsed = assistantSchema.safeParse(line);
      if (!parsed.success) return null;
      const { message, error, parent_tool_use_id } = parsed.data;
      if (error || message.model === '<synthetic>') {
        // The CLI's own stand-in message for a failed API call: its text is the error, not an answer.
        return [{ type: 'error', message: contentToText(message.content), fatal: false, source: 'agent' }];
      }
      const events: AgentEvent[] = [];
      for (const block of knownBlocks(message.content)) {
        if (block.type === 'text') events.push({ type: 'message.text', text: block.text });
        else if (block.type === 'thinking') events.push({ type: 'message.thinking', text: block.thinking });
        else if (block.type === 'tool_use') {
          events.push({ type: 'tool.call', id: block.id, name: block.name, input: block.input });
        }
      }
      // Sub-agent (Task tool) messages are billed too, but are not turns of this conversation.
      if (message.usage) {
        events.push(...recordUsage(message.id, message.model ?? '', toUsage(message.usage), !parent_tool_use_id));
      }
      return events;
    },

    user(line) {
      const parsed = userSchema.safeParse(line);
      if (!parsed.success) return null;
      const { content } = parsed.data.message;
      if (typeof content === 'string') return [];
      return knownBlocks(content).flatMap((block): AgentEvent[] =>
        block.type === 'tool_result'
          ? [
              {
                type: 'tool.result',
                id: block.tool_use_id,
                output: contentToText(block.content),
                isError: block.is_error === true,
              },
            ]
          : [],
      );
    },

    result(line) {
      const parsed = resultSchema.safeParse(line);
      if (!parsed.success) return null;
      const r = parsed.data;
      const errorMessage = r.is_error
        ? r.result || r.errors?.join('; ') || `claude ended with ${r.subtype}`
        : undefined;
      return [
        {
          type: 'result',
          isError: r.is_error,
          text: r.result ?? '',
          sessionId: r.session_id ?? null,
          usage: toUsage(r.usage),
          costUsd: r.total_cost_usd ?? null,
          numTurns: r.num_turns ?? null,
          durationMs: r.duration_ms ?? null,
          subtype: r.subtype,
          ...(errorMessage === undefined ? {} : { errorMessage }),
        },
      ];
    },
  };

  return {
    parseLine: (line) =>
      parseJsonLine('claude', line, (value) =>
        typeof value.type === 'string' && Object.hasOwn(handlers, value.type) ? handlers[value.type]!(value) : null,
      ),
    progress: () => ({ turns, costUsd: costKnown ? estimatedCost : null }),
  };
}

export const claudeAdapter: AgentAdapter = {
  agent: 'claude',
  binaryName: 'claude',
  pathEnvVar: 'SWITCHYARD_CLAUDE_PATH',
  installHint: 'npm install -g @anthropic-ai/claude-code',
  // API keys and endpoints (ANTHROPIC_*), its own knobs (CLAUDE_CODE_*, CLAUDE_CONFIG_DIR, DISABLE_*, timeouts), and
  // the credentials of the Bedrock and Vertex back ends it can use instead (CLAUDE_CODE_USE_BEDROCK/VERTEX).
  environment: [
    'ANTHROPIC_*',
    'CLAUDE_*',
    'DISABLE_*',
    'API_TIMEOUT_MS',
    'MAX_THINKING_TOKENS',
    'MCP_TIMEOUT',
    'MCP_TOOL_TIMEOUT',
    'BASH_DEFAULT_TIMEOUT_MS',
    'BASH_MAX_TIMEOUT_MS',
    'AWS_*',
    'CLOUD_ML_REGION',
    'VERTEX_REGION_*',
    'GOOGLE_APPLICATION_CREDENTIALS',
  ],
  buildArgs: buildClaudeArgs,
  createParser: createClaudeParser,
};
