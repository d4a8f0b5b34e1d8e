/**
 * Recorded agents. With `SWITCHYARD_AGENTS=record` every agent request of a workflow step is run for real and its
 * event stream and result are written to a cassette; with `SWITCHYARD_AGENTS=replay` the cassette is played back
 * through the same hooks (events, then the session id before anything after it) and no CLI is started, so a
 * workflow's tests run in CI without tokens, network or agent CLIs.
 *
 * A cassette is keyed by the template, the step and a hash of the prompt the CLI would get:
 * `<dir>/<template>/<step>-<first 16 hex of sha256(prompt)>.jsonl`. One JSON value per line: a header
 * `{cassette: 1, template, step, agent, prompt_sha256, prompt}`, then `{event}` per stream event in order, then
 * `{result}`. A changed prompt (another arg, an edited template) has no cassette, and replay fails naming the step.
 *
 * The step's own variables (`request.env`, where its secrets are) are redacted as `***` from what is written. A
 * replayed agent changes no file: a workflow whose later steps need the agent's edits cannot be replayed whole.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AgentCassetteInvalidError, AgentCassetteMissingError, AgentModeError } from './errors.ts';
import type { AgentEvent } from './events.ts';
import type { AgentResult, AgentRunHooks, AgentRunner, AgentRunRequest } from './types.ts';

export const AGENTS_MODE_VARIABLE = 'SWITCHYARD_AGENTS';
export const AGENT_MODES = ['live', 'record', 'replay'] as const;
export type AgentMode = (typeof AGENT_MODES)[number];

/** `SWITCHYARD_AGENTS` of `env`: unset or empty is `live`. */
export function agentModeFromEnv(env: NodeJS.ProcessEnv = process.env): AgentMode {
  const value = env[AGENTS_MODE_VARIABLE]?.trim() ?? '';
  if (value === '') return 'live';
  if ((AGENT_MODES as readonly string[]).includes(value)) return value as AgentMode;
  throw new AgentModeError(value);
}

/** Template ids and step ids are slugs already; anything else is made one, so a key never leaves `dir`. */
const safeName = (name: string): string => name.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_');

export function cassetteFile(dir: string, origin: { template: string; step: string }, prompt: string): string {
  const hash = createHash('sha256').update(prompt).digest('hex').slice(0, 16);
  return path.join(dir, safeName(origin.template), `${safeName(origin.step)}-${hash}.jsonl`);
}

const usageSchema = z.object({ input: z.number(), output: z.number(), cacheRead: z.number(), cacheWrite: z.number() });
const resultSchema = z.looseObject({
  text: z.string(),
  sessionId: z.string().nullable(),
  usage: usageSchema,
  costUsd: z.number().nullable(),
  numTurns: z.number().nullable(),
  durationMs: z.number(),
  isError: z.boolean(),
  stopReason: z.enum(['budget', 'stalled', 'aborted']).optional(),
  errorMessage: z.string().optional(),
});
const lineSchema = z.union([
  z.looseObject({ cassette: z.literal(1), template: z.string(), step: z.string(), agent: z.string() }),
  z.object({ event: z.looseObject({ type: z.string() }) }),
  z.object({ result: resultSchema }),
]);

/**
 * Replaces every value of the step's declared variables (its secrets among them) in `value` with `***`. What the
 * engine tells every step about itself (`SWITCHYARD_RUN_ID`, `SWITCHYARD_STEP_ID`…) is not secret, and is kept.
 */
function redactor(request: AgentRunRequest): <T>(value: T) => T {
  const secrets = Object.entries(request.env ?? {})
    .filter(([name, value]) => !name.startsWith('SWITCHYARD_') && value.length >= 4)
    .map(([, value]) => value)
    .sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return (value) => value;
  return <T>(value: T): T => {
    let text = JSON.stringify(value);
    for (const secret of secrets) text = text.split(JSON.stringify(secret).slice(1, -1)).join('***');
    return JSON.parse(text) as T;
  };
}

/** Runs `inner` and writes what it did to the request's cassette (a request without `origin` is not recorded). */
export function createRecordingAgentRunner(inner: AgentRunner, options: { dir: string }): AgentRunner {
  return {
    async run(request, hooks) {
      if (!request.origin) return inner.run(request, hooks);
      const events: AgentEvent[] = [];
      const result = await inner.run(request, {
        ...hooks,
        onEvent(event) {
          events.push(event as AgentEvent);
          hooks.onEvent(event);
        },
      });
      // An abort is the run's doing, not the agent's answer: nothing to play back.
      if (result.stopReason === 'aborted') return result;
      const redact = redactor(request);
      const file = cassetteFile(options.dir, request.origin, request.prompt);
      const header = {
        cassette: 1,
        template: request.origin.template,
        step: request.origin.step,
        agent: request.agent,
        prompt_sha256: createHash('sha256').update(request.prompt).digest('hex'),
        prompt: redact(request.prompt),
      };
      const lines = [header, ...[...events.map((event) => ({ event })), { result }].map(redact)].map((line) =>
        JSON.stringify(line),
      );
      mkdirSync(path.dirname(file), { recursive: true });
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, `${lines.join('\n')}\n`);
      renameSync(temp, file);
      return result;
    },
  };
}

function readCassette(file: string): { events: AgentEvent[]; result: AgentResult } {
  const events: AgentEvent[] = [];
  let result: AgentResult | null = null;
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((text, index) => {
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new AgentCassetteInvalidError(file, index + 1, 'not JSON');
    }
    const parsed = lineSchema.safeParse(value);
    if (!parsed.success) throw new AgentCassetteInvalidError(file, index + 1, z.prettifyError(parsed.error));
    if ('event' in parsed.data) events.push(parsed.data.event as AgentEvent);
    else if ('result' in parsed.data) result = parsed.data.result as AgentResult;
  });
  if (!result) throw new AgentCassetteInvalidError(file, lines.length, 'it has no result line');
  return { events, result };
}

/**
 * Plays cassettes back instead of starting CLIs. A request without `origin`, or whose cassette is missing, throws
 * {@link AgentCassetteMissingError}: a replayed workflow never reaches a real agent by accident.
 */
export function createReplayingAgentRunner(options: { dir: string }): AgentRunner {
  return {
    async run(request: AgentRunRequest, hooks: AgentRunHooks): Promise<AgentResult> {
      const origin = request.origin ?? { template: '(none)', step: '(none)' };
      const file = cassetteFile(options.dir, origin, request.prompt);
      let cassette: ReturnType<typeof readCassette>;
      try {
        cassette = readCassette(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new AgentCassetteMissingError(origin.template, origin.step, file);
        }
        throw error;
      }
      let sessionReported = false;
      for (const event of cassette.events) {
        if (hooks.signal.aborted) break;
        hooks.onEvent(event);
        if (event.type === 'session.started' && !sessionReported) {
          sessionReported = true;
          await hooks.onSessionStarted(event.sessionId);
        }
      }
      if (hooks.signal.aborted) {
        const message = `${request.agent} replay was stopped: the run was aborted`;
        return { ...cassette.result, isError: true, stopReason: 'aborted', errorMessage: message };
      }
      return cassette.result;
    },
  };
}

/** The runner for a mode: `live` is `inner` itself. */
export function withCassettes(inner: AgentRunner, options: { mode: AgentMode; dir: string }): AgentRunner {
  if (options.mode === 'record') return createRecordingAgentRunner(inner, { dir: options.dir });
  if (options.mode === 'replay') return createReplayingAgentRunner({ dir: options.dir });
  return inner;
}
