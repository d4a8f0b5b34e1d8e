/**
 * The `AgentRunner` built on CLI adapters: pick the adapter for `request.agent`, spawn the CLI, feed every stdout line
 * through the adapter's parser, and turn what happened (a result, a stop, a crash) into one `AgentResult`.
 */
import { statSync } from 'node:fs';
import type { AgentAdapter } from './adapter.ts';
import { claudeAdapter } from './adapters/claude.ts';
import { codexAdapter } from './adapters/codex.ts';
import { geminiAdapter } from './adapters/gemini.ts';
import { resolveAgentBinary } from './binary.ts';
import { AgentCliNotFoundError, AgentHookError, AgentSpawnError } from './errors.ts';
import { BASE_ENVIRONMENT, passedThrough, pickEnvironment } from './environment.ts';
import { emptyUsage } from './events.ts';
import { toAgentResult } from './outcome.ts';
import type { RunRecord, StopReason } from './outcome.ts';
import { startAgentProcess, watchIdle } from './process.ts';
import type { AgentName, AgentResult, AgentRunHooks, AgentRunner, AgentRunRequest } from './types.ts';

export interface AgentRunnerOptions {
  /** Binary per CLI. Default: `SWITCHYARD_CLAUDE_PATH` / `SWITCHYARD_CODEX_PATH` / `SWITCHYARD_GEMINI_PATH`, then PATH. */
  paths?: Partial<Record<AgentName, string>>;
  /** Added to every CLI's environment (the request's `env` wins over it). */
  env?: Record<string, string>;
  /**
   * What of this process's environment the CLI starts from. Default: an allowlist — the base variables every
   * program needs, those the adapter's CLI reads (`adapter.environment`) and the names in `SWITCHYARD_STEP_ENV`
   * (environment.ts). `true` passes all of it; `false` none (the CLI gets only `env`, `request.env` and `HOME`).
   */
  inheritEnv?: boolean;
  /** Default for `request.idleTimeoutMs`. Default 10 minutes. */
  idleTimeoutMs?: number;
  /** Between SIGTERM and SIGKILL when the process group is stopped. Default 5 s. */
  killGraceMs?: number;
  /**
   * How long a CLI may linger after its final result before its group is killed (the result still counts).
   * Default 5 s.
   */
  exitAfterResultMs?: number;
  /**
   * Claude Code's own retry knobs, set as `CLAUDE_CODE_MAX_RETRIES` and `API_TIMEOUT_MS`. Its default (10 retries)
   * can spend minutes on a failing API; the idle watchdog does not rely on either.
   */
  claude?: { maxRetries?: number; apiTimeoutMs?: number };
}

export const agentAdapters: Readonly<Record<AgentName, AgentAdapter>> = {
  claude: claudeAdapter,
  codex: codexAdapter,
  gemini: geminiAdapter,
};

const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60 * 1000;

function inherited(options: AgentRunnerOptions, adapter: AgentAdapter): NodeJS.ProcessEnv {
  if (options.inheritEnv === true) return process.env;
  if (options.inheritEnv === false) return {};
  return pickEnvironment(process.env, [...BASE_ENVIRONMENT, ...adapter.environment, ...passedThrough(process.env)]);
}

function buildEnv(options: AgentRunnerOptions, adapter: AgentAdapter, request: AgentRunRequest): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...inherited(options, adapter), ...options.env };
  if (request.agent === 'claude') {
    if (options.claude?.maxRetries !== undefined) env.CLAUDE_CODE_MAX_RETRIES = String(options.claude.maxRetries);
    if (options.claude?.apiTimeoutMs !== undefined) env.API_TIMEOUT_MS = String(options.claude.apiTimeoutMs);
  }
  Object.assign(env, request.env);
  if (request.home) env.HOME = request.home;
  return env;
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function checkBudget(request: AgentRunRequest, turns: number, costUsd: number | null): string | null {
  const { maxTurns, maxCostUsd } = request.budget ?? {};
  if (maxTurns !== undefined && turns > maxTurns) {
    return `turn budget exceeded: the agent started turn ${turns} with maxTurns ${maxTurns}`;
  }
  if (maxCostUsd !== undefined && costUsd !== null && costUsd > maxCostUsd) {
    return `cost budget exceeded: $${costUsd.toFixed(4)} spent with maxCostUsd $${maxCostUsd}`;
  }
  return null;
}

/** Builds the runner. Options are resolved once here; every `run` spawns its own CLI process. */
export function createAgentRunner(options: AgentRunnerOptions = {}): AgentRunner {
  const killGraceMs = options.killGraceMs ?? 5000;
  const exitAfterResultMs = options.exitAfterResultMs ?? 5000;

  /** Starts the CLI, telling a missing cwd, a missing binary and other spawn failures apart. */
  async function spawnCli(adapter: AgentAdapter, command: string, request: AgentRunRequest, env: NodeJS.ProcessEnv) {
    // spawn reports a missing cwd as ENOENT too, which would otherwise read as a missing CLI.
    if (!isDirectory(request.cwd)) {
      throw new AgentSpawnError(request.agent, `its cwd ${request.cwd} is not a directory`);
    }
    const args = adapter.buildArgs(request);
    try {
      return await startAgentProcess({ command, args, cwd: request.cwd, env, killGraceMs });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EACCES') {
        const reason = `${command} could not be started (${code})`;
        throw new AgentCliNotFoundError(request.agent, reason, adapter.installHint, { cause: error });
      }
      const reason =
        code === 'EMFILE' || code === 'ENFILE'
          ? `${command}: too many open files (${code})`
          : code === 'EAGAIN'
            ? `${command}: too many processes (EAGAIN)`
            : (error as Error).message;
      throw new AgentSpawnError(request.agent, reason, { cause: error });
    }
  }

  async function run(request: AgentRunRequest, hooks: AgentRunHooks): Promise<AgentResult> {
    const adapter = agentAdapters[request.agent];
    const env = buildEnv(options, adapter, request);
    // The binary's variable (SWITCHYARD_CLAUDE_PATH…) is for this process to read, not for the CLI.
    const command = resolveAgentBinary(adapter, options.paths?.[request.agent], {
      [adapter.pathEnvVar]: process.env[adapter.pathEnvVar],
      ...env,
    });
    const startedAt = Date.now();
    const record: RunRecord = {
      result: null,
      stop: null,
      sessionId: null,
      text: '',
      usage: emptyUsage(),
      costUsd: null,
      turns: 0,
    };
    if (hooks.signal.aborted) {
      record.stop = { reason: 'aborted', message: `${request.agent} was not started: the run was aborted` };
      return toAgentResult(request.agent, record, { code: null, signal: null }, '', 0);
    }

    const parser = adapter.createParser({ request, env });
    const child = await spawnCli(adapter, command, request, env);
    const requestStop = (reason: StopReason, message: string): void => {
      // After the CLI's own result the work is done: a later stop only cleans up, it does not change the outcome.
      if (!record.stop && !record.result) record.stop = { reason, message };
      void child.killTree();
    };
    const onAbort = (): void => requestStop('aborted', `${request.agent} was stopped: the run was aborted`);
    hooks.signal.addEventListener('abort', onAbort, { once: true });
    if (hooks.signal.aborted) onAbort(); // aborted while the process was starting

    const idleTimeoutMs = request.idleTimeoutMs ?? options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    const watchdog = watchIdle(child, idleTimeoutMs, (idleMs) =>
      requestStop(
        'stalled',
        `${request.agent} stalled: no output for ${Math.round(idleMs / 1000)} s, its process was killed`,
      ),
    );
    let exitTimer: NodeJS.Timeout | undefined;
    let hookError: AgentHookError | null = null;

    try {
      for await (const line of child.lines()) {
        for (const event of parser.parseLine(line)) {
          try {
            hooks.onEvent(event);
          } catch (error) {
            throw new AgentHookError('onEvent', error);
          }
          if (event.type === 'session.started' && record.sessionId === null) {
            record.sessionId = event.sessionId;
            // Awaited before the next line is read: the session id is durable before the agent's work is consumed.
            try {
              await hooks.onSessionStarted(event.sessionId);
            } catch (error) {
              throw new AgentHookError('onSessionStarted', error);
            }
          } else if (event.type === 'message.text') {
            record.text = event.delta ? record.text + event.text : event.text;
          } else if (event.type === 'usage' && !record.stop) {
            record.usage = event.usage;
            record.costUsd = event.costUsd;
          } else if (event.type === 'result') {
            record.result = event;
            exitTimer ??= setTimeout(() => void child.killTree(), exitAfterResultMs);
          }
        }
        const progress = parser.progress();
        // A stopped run reports what it had spent when it was stopped: lines the CLI wrote before the kill reached
        // it (many, on a loaded machine) are still logged, but do not move the figures past the stop.
        if (!record.stop) record.turns = progress.turns;
        const overBudget = record.result ? null : checkBudget(request, progress.turns, progress.costUsd);
        if (overBudget) requestStop('budget', overBudget);
      }
    } catch (error) {
      if (!(error instanceof AgentHookError)) throw error;
      hookError = error;
      void child.killTree();
    }

    const exit = await child.exited;
    // Whatever the agent left running in its group (a dev server, a `sleep`) goes with it.
    await child.killTree();
    watchdog.stop();
    clearTimeout(exitTimer);
    hooks.signal.removeEventListener('abort', onAbort);
    if (hookError) throw hookError;
    return toAgentResult(request.agent, record, exit, child.stderrTail(), Date.now() - startedAt);
  }

  return { run };
}
