/**
 * Gemini CLI: `gemini --prompt=<prompt> --output-format stream-json --skip-trust [--resume <session_id>]`.
 *
 * Stream facts this parser relies on (see reference/gemini-stream-json-samples.txt):
 * - Assistant text arrives as `message {role: "assistant", delta: true}` chunks to concatenate; the final answer is
 *   the chunks after the last tool call. The prompt is echoed as a `user` message (dropped here).
 * - `result` has no session id (it comes from `init`) and its `stats` cover this run only, with no cost.
 * - `--skip-trust` is passed because a headless run in an untrusted cwd exits 55 before printing anything.
 * - An API failure is `result {status: "error"}` whose message wraps the API's: `[API Error: {"error":{…}}]` for a
 *   JSON error body, `[API Error: <message>]` otherwise; the exit code is the HTTP status & 0xFF (500 → 244).
 */
import { z } from 'zod';
import { parseJsonLine } from '../adapter.ts';
import type { AgentAdapter, StreamParser } from '../adapter.ts';
import type { AgentEvent } from '../events.ts';
import type { AgentRunRequest, AgentUsage } from '../types.ts';

const initSchema = z.looseObject({ session_id: z.string(), model: z.string().optional() });
const messageSchema = z.looseObject({ role: z.string(), content: z.string(), delta: z.boolean().optional() });
const toolUseSchema = z.looseObject({ tool_name: z.string(), tool_id: z.string(), parameters: z.unknown() });
const toolResultSchema = z.looseObject({
  tool_id: z.string(),
  status: z.string(),
  output: z.string().nullish(),
  error: z.looseObject({ message: z.string() }).nullish(),
});
const errorSchema = z.looseObject({ message: z.string(), severity: z.string().optional() });
const resultSchema = z.looseObject({
  status: z.string(),
  error: z.looseObject({ message: z.string() }).nullish(),
  stats: z
    .looseObject({
      input_tokens: z.number().optional(),
      output_tokens: z.number().optional(),
      cached: z.number().optional(),
      duration_ms: z.number().optional(),
    })
    .nullish(),
});

/** Claude-style permission modes mapped to Gemini approval modes; Gemini's own names pass through. */
const APPROVAL_FOR_MODE: Record<string, string> = {
  acceptEdits: 'auto_edit',
  bypassPermissions: 'yolo',
};

export function buildGeminiArgs(request: AgentRunRequest): string[] {
  // `--prompt=<text>` in one word: as `-p <text>`, a prompt starting with `-` is parsed as options (0.61.0 prints its
  // usage and exits 1).
  const args = [`--prompt=${request.prompt}`, '--output-format', 'stream-json', '--skip-trust'];
  if (request.model) args.push('--model', request.model);
  if (request.permissionMode) {
    args.push('--approval-mode', APPROVAL_FOR_MODE[request.permissionMode] ?? request.permissionMode);
  }
  // One `--allowed-tools=<name>` per tool: the option is an array and would swallow following words.
  for (const tool of request.allowedTools ?? []) args.push(`--allowed-tools=${tool}`);
  if (request.resumeSessionId) args.push('--resume', request.resumeSessionId);
  return args;
}

const apiErrorBodySchema = z.object({
  error: z.looseObject({ message: z.string(), code: z.number().optional(), status: z.string().optional() }),
});

/** `[API Error: {"error":{"code":500,"message":"…","status":"INTERNAL"}}]` → `API error 500 INTERNAL: …`. */
export function readableGeminiError(message: string): string {
  const wrapped = /^\[API Error: ([\s\S]*)\]$/.exec(message);
  if (!wrapped) return message;
  const inner = wrapped[1]!;
  let body: unknown;
  try {
    body = JSON.parse(inner);
  } catch {
    return `API error: ${inner}`;
  }
  const parsed = apiErrorBodySchema.safeParse(body);
  if (!parsed.success) return `API error: ${inner}`;
  const { code, status, message: text } = parsed.data.error;
  const label = [code, status].filter((part) => part !== undefined).join(' ');
  return `API error${label ? ` ${label}` : ''}: ${text}`;
}

export function createGeminiParser(): StreamParser {
  let sessionId: string | null = null;
  let turns = 0;
  let answer = '';
  /** Whether the previous event was assistant text: a chunk after anything else starts a new model turn. */
  let inAnswer = false;

  const handlers: Record<string, (line: Record<string, unknown>) => AgentEvent[] | null> = {
    init(line) {
      const parsed = initSchema.safeParse(line);
      if (!parsed.success) return null;
      sessionId = parsed.data.session_id;
      return [{ type: 'session.started', sessionId, model: parsed.data.model }];
    },
    message(line) {
      const parsed = messageSchema.safeParse(line);
      if (!parsed.success) return null;
      const { role, content, delta } = parsed.data;
      if (role !== 'assistant') {
        inAnswer = false;
        return [];
      }
      if (!inAnswer) {
        turns += 1;
        answer = '';
        inAnswer = true;
      }
      answer += content;
      return [{ type: 'message.text', text: content, ...(delta ? { delta: true } : {}) }];
    },
    tool_use(line) {
      const parsed = toolUseSchema.safeParse(line);
      if (!parsed.success) return null;
      inAnswer = false;
      const { tool_id, tool_name, parameters } = parsed.data;
      return [{ type: 'tool.call', id: tool_id, name: tool_name, input: parameters }];
    },
    tool_result(line) {
      const parsed = toolResultSchema.safeParse(line);
      if (!parsed.success) return null;
      inAnswer = false;
      const { tool_id, status, output, error } = parsed.data;
      return [
        { type: 'tool.result', id: tool_id, output: output ?? error?.message ?? '', isError: status !== 'success' },
      ];
    },
    error(line) {
      const parsed = errorSchema.safeParse(line);
      if (!parsed.success) return null;
      return [{ type: 'error', message: parsed.data.message, fatal: false, source: 'agent' }];
    },
    result(line) {
      const parsed = resultSchema.safeParse(line);
      if (!parsed.success) return null;
      const { status, error, stats } = parsed.data;
      const usage: AgentUsage = {
        input: stats?.input_tokens ?? 0,
        output: stats?.output_tokens ?? 0,
        cacheRead: stats?.cached ?? 0,
        cacheWrite: 0,
      };
      const isError = status !== 'success';
      return [
        {
          type: 'result',
          isError,
          text: answer,
          sessionId,
          usage,
          costUsd: null,
          numTurns: turns,
          durationMs: stats?.duration_ms ?? null,
          subtype: status,
          ...(isError
            ? { errorMessage: error ? readableGeminiError(error.message) : `gemini ended with status ${status}` }
            : {}),
        },
      ];
    },
  };

  return {
    parseLine: (line) =>
      parseJsonLine('gemini', line, (value) =>
        typeof value.type === 'string' && Object.hasOwn(handlers, value.type) ? handlers[value.type]!(value) : null,
      ),
    progress: () => ({ turns, costUsd: null }),
  };
}

export const geminiAdapter: AgentAdapter = {
  agent: 'gemini',
  binaryName: 'gemini',
  pathEnvVar: 'SWITCHYARD_GEMINI_PATH',
  installHint: 'npm install -g @google/gemini-cli',
  // GEMINI_API_KEY, GEMINI_CLI_* and the Google Cloud settings of its Vertex mode (GOOGLE_API_KEY,
  // GOOGLE_CLOUD_PROJECT, GOOGLE_CLOUD_LOCATION, GOOGLE_GENAI_USE_VERTEXAI, GOOGLE_APPLICATION_CREDENTIALS).
  environment: ['GEMINI_*', 'GOOGLE_*'],
  buildArgs: buildGeminiArgs,
  createParser: createGeminiParser,
};
