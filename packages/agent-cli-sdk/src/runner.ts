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
import { emptyUsage } from './events.ts';
import type { ResultEvent } from './events.ts';
import { startAgentProcess } from './process.ts';
import type { AgentProcess } from './process.ts';
import type { AgentName, AgentResult, AgentRunHooks, AgentRunner, AgentRunRequest, AgentUsage } from './types.ts';

export interface AgentRunnerOptions {
  /** Binary per CLI. Default: `SWITCHYARD_CLAUDE_PATH` / `SWITCHYARD_CODEX_PATH` / `SWITCHYARD_GEMINI_PATH`, then PATH. */
  paths?: Partial<Record<AgentName, string>>;
  /** Added to every CLI's environment (the request's `env` wins over it). */
  env?: Record<string, string>;
  /** Start from this process's environment. Default true; false gives the CLI only `env`, `request.env` and `HOME`. */
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

type StopReason = NonNullable<AgentResult['stopReason']>;

function buildEnv(options: AgentRunnerOptions, request: AgentRunRequest): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...(options.inheritEnv === false ? {} : process.env), ...options.env };
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

  async function run(request: AgentRunRequest, hooks: AgentRunHooks): Promise<AgentResult> {
    const adapter = agentAdapters[request.agent];
    const env = buildEnv(options, request);
    const command = resolveAgentBinary(adapter, options.paths?.[request.agent], env);
    const startedAt = Date.now();
    const stoppedEarly = (stopReason: StopReason, errorMessage: string): AgentResult => ({
      text: '',
      sessionId: null,
      usage: emptyUsage(),
      costUsd: null,
      numTurns: null,
      durationMs: Date.now() - startedAt,
      isError: true,
      stopReason,
      errorMessage,
    });
    if (hooks.signal.aborted) return stoppedEarly('aborted', `${request.agent} was not started: the run was aborted`);

    // spawn reports a missing cwd as ENOENT too, which would otherwise read as a missing CLI.
    if (!isDirectory(request.cwd))
      throw new AgentSpawnError(request.agent, `its cwd ${request.cwd} is not a directory`);
    let child: AgentProcess;
    try {
      child = await startAgentProcess({
        command,
        args: adapter.buildArgs(request),
        cwd: request.cwd,
        env,
        killGraceMs,
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = `${command} could not be started (${code})`;
      if (code === 'ENOENT' || code === 'EACCES') {
        throw new AgentCliNotFoundError(request.agent, reason, adapter.installHint, { cause: error });
      }
      throw new AgentSpawnError(request.agent, (error as Error).message, { cause: error });
    }

    let stop: { reason: StopReason; message: string } | null = null;
    let result: ResultEvent | null = null;
    const requestStop = (reason: StopReason, message: string): void => {
      // After the CLI's own result the work is done: a later stop only cleans up, it does not change the outcome.
      if (!stop && !result) stop = { reason, message };
      void child.killTree();
    };

    const onAbort = (): void => requestStop('aborted', `${request.agent} was stopped: the run was aborted`);
    hooks.signal.addEventListener('abort', onAbort, { once: true });

    const idleTimeoutMs = request.idleTimeoutMs ?? options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    let watchdog: NodeJS.Timeout | undefined;
    const armWatchdog = (delayMs: number): void => {
      watchdog = setTimeout(() => {
        const idle = child.idleMs();
        if (idle < idleTimeoutMs) return armWatchdog(idleTimeoutMs - idle);
        requestStop(
          'stalled',
          `${request.agent} stalled: no output for ${Math.round(idle / 1000)} s, its process was killed`,
        );
      }, delayMs);
    };
    armWatchdog(idleTimeoutMs);
    let exitTimer: NodeJS.Timeout | undefined;

    let sessionId: string | null = null;
    let text = '';
    let usage: AgentUsage = emptyUsage();
    let costUsd: number | null = null;
    let hookError: AgentHookError | null = null;
    const parser = adapter.createParser();

    try {
      for await (const line of child.lines()) {
        for (const event of parser.parseLine(line)) {
          try {
            hooks.onEvent(event);
          } catch (error) {
            throw new AgentHookError('onEvent', error);
          }
          if (event.type === 'session.started' && sessionId === null) {
            sessionId = event.sessionId;
            // Awaited before the next line is read: the session id is durable before the agent's work is consumed.
            try {
              await hooks.onSessionStarted(sessionId);
            } catch (error) {
              throw new AgentHookError('onSessionStarted', error);
            }
          } else if (event.type === 'message.text') {
            text = event.delta ? text + event.text : event.text;
          } else if (event.type === 'usage') {
            usage = event.usage;
            costUsd = event.costUsd;
          } else if (event.type === 'result') {
            result = event;
            exitTimer ??= setTimeout(() => void child.killTree(), exitAfterResultMs);
          }
        }
        if (!result && !stop) {
          const progress = parser.progress();
          const overBudget = checkBudget(request, progress.turns, progress.costUsd);
          if (overBudget) requestStop('budget', overBudget);
        }
      }
    } catch (error) {
      if (!(error instanceof AgentHookError)) throw error;
      hookError = error;
      void child.killTree();
    }

    const exit = await child.exited;
    // Whatever the agent left running in its group (a dev server, a `sleep`) goes with it.
    await child.killTree();
    clearTimeout(watchdog);
    clearTimeout(exitTimer);
    hooks.signal.removeEventListener('abort', onAbort);
    if (hookError) throw hookError;

    const durationMs = Date.now() - startedAt;
    const finalResult: ResultEvent | null = result;
    if (finalResult) {
      return {
        text: finalResult.text,
        sessionId: finalResult.sessionId ?? sessionId,
        usage: finalResult.usage,
        costUsd: finalResult.costUsd,
        numTurns: finalResult.numTurns,
        durationMs,
        isError: finalResult.isError,
        ...(finalResult.errorMessage === undefined ? {} : { errorMessage: finalResult.errorMessage }),
      };
    }
    const partial = { text, sessionId, usage, costUsd, numTurns: parser.progress().turns, durationMs, isError: true };
    const finalStop = stop as { reason: StopReason; message: string } | null;
    if (finalStop) return { ...partial, stopReason: finalStop.reason, errorMessage: finalStop.message };
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const stderr = child.stderrTail().slice(-2000);
    return {
      ...partial,
      errorMessage: `${request.agent} ${how} without a result${stderr ? `; stderr: ${stderr}` : ' (stderr was empty)'}`,
    };
  }

  return { run };
}
