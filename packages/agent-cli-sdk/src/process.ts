/**
 * One agent CLI as a child process: no shell, its own process group, stdout read as lines with backpressure, an idle
 * watchdog, and a kill that reaches the whole tree (the agent's shells, test runners and dev servers included).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLineSplitter } from './lines.ts';

export interface AgentProcessOptions {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Between SIGTERM to the group and SIGKILL. */
  killGraceMs: number;
  /** How much of stderr to keep for error messages. */
  stderrTailChars?: number;
  maxLineChars?: number;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface AgentProcess {
  readonly pid: number;
  /** stdout lines in order; ends once stdout is closed and every line was taken. */
  lines(): AsyncIterable<string>;
  readonly exited: Promise<ProcessExit>;
  /** Milliseconds since stdout last produced bytes. */
  idleMs(): number;
  stderrTail(): string;
  /** SIGTERM to the whole group, SIGKILL after the grace if anything in it is still alive. Safe to call twice. */
  killTree(): Promise<void>;
}

/** Lines buffered before stdout is paused; a consumer awaiting a hook then holds the CLI back instead of memory. */
const HIGH_WATER_LINES = 1000;
/** After the process group is gone, how long stdout may stay open (held by an escaped grandchild) before we close it. */
const STDOUT_DRAIN_MS = 2000;

export async function startAgentProcess(options: AgentProcessOptions): Promise<AgentProcess> {
  // A spawn that fails at once (EINVAL, E2BIG) throws here and rejects this promise; one that fails in the system
  // call (ENOENT, EACCES, EMFILE — then without pipes) comes as an 'error' event instead of 'spawn', and `once`
  // rejects with it. Either way the caller gets an error, never the process an unheard 'error' event.
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    // Own process group (pgid = pid), so one signal to -pid reaches everything the agent started.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  await once(child, 'spawn');
  // Signals go through process.kill, so a later 'error' has nothing to report, but unheard it would crash the host.
  child.on('error', () => {});
  const pid = child.pid!;
  const stdout = child.stdout!;
  const stderr = child.stderr!;
  // A read error on a pipe ends it like a close does; unheard, it would crash the host.
  stdout.on('error', () => undefined);
  stderr.on('error', () => undefined);

  let lastOutputAt = Date.now();
  const queue: string[] = [];
  let stdoutDone = false;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const resume = wake;
    wake = null;
    resume?.();
  };

  const splitter = createLineSplitter(
    (line) => {
      queue.push(line);
      if (queue.length >= HIGH_WATER_LINES) stdout.pause();
      notify();
    },
    { maxLineChars: options.maxLineChars },
  );
  stdout.on('data', (chunk: Buffer) => {
    lastOutputAt = Date.now();
    splitter.push(chunk);
  });
  stdout.once('close', () => {
    splitter.end();
    stdoutDone = true;
    notify();
  });

  const tailChars = options.stderrTailChars ?? 4000;
  let stderrText = '';
  stderr.setEncoding('utf8');
  stderr.on('data', (chunk: string) => {
    stderrText = (stderrText + chunk).slice(-tailChars);
  });

  let killing: Promise<void> | null = null;
  const killTree = (): Promise<void> => {
    killing ??= killGroup(pid, options.killGraceMs);
    return killing;
  };

  // The CLI is gone but its children may not be (a backgrounded server holding our stdout open would also keep the
  // stream from ever ending): clear the group. A process that left the group (setsid) and still holds the pipe is
  // cut off: once the group is dead, stdout gets a moment to drain and is then closed from our side.
  void exited
    .then(() => killTree())
    .then(() => {
      const timer = setTimeout(() => {
        stdout.destroy();
        stderr.destroy();
      }, STDOUT_DRAIN_MS);
      timer.unref();
      stdout.once('close', () => clearTimeout(timer));
    });

  return {
    pid,
    exited,
    idleMs: () => Date.now() - lastOutputAt,
    stderrTail: () => stderrText.trim(),
    killTree,
    async *lines() {
      for (;;) {
        const line = queue.shift();
        if (line !== undefined) {
          if (stdout.isPaused() && queue.length < HIGH_WATER_LINES / 2) stdout.resume();
          yield line;
          continue;
        }
        if (stdoutDone) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

async function killGroup(pgid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await sleep(Math.min(25, graceMs));
    if (!signalGroup(pgid, 0)) return;
  }
  signalGroup(pgid, 'SIGKILL');
}

/**
 * Calls `onIdle` once stdout has been silent for `timeoutMs`. One timer, re-armed for the remaining time when output
 * came meanwhile, instead of a timer reset per chunk.
 */
export function watchIdle(
  child: Pick<AgentProcess, 'idleMs'>,
  timeoutMs: number,
  onIdle: (idleMs: number) => void,
): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const arm = (delayMs: number): void => {
    timer = setTimeout(() => {
      const idle = child.idleMs();
      if (idle < timeoutMs) arm(timeoutMs - idle);
      else onIdle(idle);
    }, delayMs);
  };
  arm(timeoutMs);
  return { stop: () => clearTimeout(timer) };
}
