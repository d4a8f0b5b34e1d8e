/**
 * Script steps: a child process in its own process group and session, so that cancel and timeout kill the whole
 * tree — grandchildren included — and, by the tag in its environment (stepProcesses.ts), whatever left the group.
 */
import { statSync } from 'node:fs';
import type { ScriptOutput } from '../types/step.ts';
import type { Redactor } from './secrets.ts';
import { launchStepProcess } from './stepLauncher.ts';
import type { LaunchedProcess } from './stepLauncher.ts';
import { signalStepProcesses } from './stepProcesses.ts';

const OUTPUT_TAIL_BYTES = 64 * 1024;
const KILL_GRACE_MS = 2_000;
/**
 * After the step's main process exited and its group was killed, how long its pipes may stay open before the
 * process holding them — one that left the group — is looked for by its tag and killed, and then before they are
 * closed from this side: a step ends when its process does, not when a daemon it started lets go of its output.
 */
const PIPE_DRAIN_MS = 200;

export interface ScriptRun {
  command: string | string[];
  cwd: string;
  /** The whole environment of the step's process: nothing else of this process's reaches it. */
  env: Record<string, string>;
  /** The tag `env` carries (SWITCHYARD_STEP_TAG), by which the step's processes are found wherever they went. */
  tag: string;
  /** The step's secrets, replaced in its output before anything sees it. */
  redactor?: Redactor;
  signal: AbortSignal;
  onOutput(stream: 'stdout' | 'stderr', text: string): void;
}

export interface ScriptOutcome {
  output: ScriptOutput;
  /** Why it did not succeed, in words; absent on exit code 0. */
  failure?: string;
}

/** Keeps the last `limit` characters of a stream. */
class Tail {
  private text = '';
  constructor(private readonly limit: number) {}
  push(chunk: string): void {
    this.text += chunk;
    if (this.text.length > this.limit * 2) this.text = this.text.slice(-this.limit);
  }
  toString(): string {
    return this.text.length > this.limit ? this.text.slice(-this.limit) : this.text;
  }
}

export function killProcessGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

export function runScript(run: ScriptRun): Promise<ScriptOutcome> {
  const [file, args] =
    typeof run.command === 'string' ? ['/bin/sh', ['-c', run.command]] : [run.command[0]!, run.command.slice(1)];
  const stdout = new Tail(OUTPUT_TAIL_BYTES);
  const stderr = new Tail(OUTPUT_TAIL_BYTES);
  const finish = (exitCode: number | null, signal: string | null, failure?: string): ScriptOutcome => {
    const output: ScriptOutput = { exitCode, signal, stdout: stdout.toString(), stderr: stderr.toString() };
    const json = parseJson(output.stdout);
    if (json !== undefined) output.json = json;
    return failure ? { output, failure } : { output };
  };

  return new Promise((resolve) => {
    if (run.signal.aborted) return resolve(finish(null, null, 'not started: the step was aborted'));
    // spawn reports a missing cwd as ENOENT, which would read as a missing command.
    if (!isDirectory(run.cwd))
      return resolve(finish(null, null, `could not start ${file}: its cwd ${run.cwd} is not a directory`));
    // A spawn that fails in the system call (ENOENT, EACCES, EMFILE) fails the step, never the whole process.
    launchStepProcess({ file, args, cwd: run.cwd, env: run.env }).then(
      (child) => supervise(child, run, stdout, stderr, finish, resolve),
      (error: unknown) => resolve(finish(null, null, startFailure(file, error))),
    );
  });
}

/** From the step process's start to its outcome: output, exit, the kill of what it left, cancel and timeout. */
function supervise(
  child: LaunchedProcess,
  run: ScriptRun,
  stdout: Tail,
  stderr: Tail,
  finish: (exitCode: number | null, signal: string | null, failure?: string) => ScriptOutcome,
  resolve: (outcome: ScriptOutcome) => void,
): void {
  const { pid, stdout: out, stderr: err } = child;
  let settled = false;
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let drainTimer: NodeJS.Timeout | undefined;
  let onAbort: () => void = () => undefined;
  const settle = (outcome: ScriptOutcome) => {
    if (settled) return;
    settled = true;
    run.signal.removeEventListener('abort', onAbort);
    clearTimeout(killTimer);
    clearTimeout(drainTimer);
    resolve(outcome);
  };

  const stopTree = (signal: NodeJS.Signals) => {
    killProcessGroup(pid, signal);
    void signalStepProcesses(run.tag, signal);
  };
  onAbort = () => {
    stopTree('SIGTERM');
    killTimer = setTimeout(() => stopTree('SIGKILL'), KILL_GRACE_MS);
  };
  run.signal.addEventListener('abort', onAbort, { once: true });
  // Aborted while the process was being started: it stops at once.
  if (run.signal.aborted) onAbort();

  for (const [stream, tail, name] of [
    [out, stdout, 'stdout'],
    [err, stderr, 'stderr'],
  ] as const) {
    const redact = run.redactor?.stream();
    const take = (text: string) => {
      if (!text) return;
      tail.push(text);
      run.onOutput(name, text);
    };
    stream.setEncoding('utf8').on('data', (text: string) => take(redact ? redact.push(text) : text));
    stream.on('end', () => redact && take(redact.end()));
    // A read error ends the stream like a close; unheard it would crash the process.
    stream.on('error', () => undefined);
  }

  const done = () => {
    const { code, signal } = exit ?? { code: null, signal: null };
    if (!run.signal.aborted) {
      settle(
        finish(code, signal, code === 0 ? undefined : signal ? `killed by ${signal}` : `exited with code ${code}`),
      );
      return;
    }
    // A stopped step reports once everything it started is gone.
    void stopping.then(() => settle(finish(code, signal, `stopped: ${String(run.signal.reason ?? 'aborted')}`)));
  };
  let stopping: Promise<unknown> = Promise.resolve();
  // Once the main process exits, what is left of its group goes too, then whatever still holds its pipes. A step
  // being stopped loses the rest of its processes now, those that ignored SIGTERM included.
  child.on('exit', (code, signal) => {
    exit = { code, signal };
    killProcessGroup(pid, 'SIGKILL');
    if (run.signal.aborted) stopping = signalStepProcesses(run.tag, 'SIGKILL');
    drainTimer = setTimeout(() => {
      void signalStepProcesses(run.tag, 'SIGKILL').finally(() => {
        if (settled) return;
        drainTimer = setTimeout(() => {
          child.release();
          done();
        }, PIPE_DRAIN_MS);
      });
    }, PIPE_DRAIN_MS);
  });
  child.on('close', done);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function startFailure(file: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `command not found: ${file}`;
  if (code === 'EACCES') return `could not start ${file}: permission denied (EACCES)`;
  if (code === 'EMFILE' || code === 'ENFILE') {
    return `could not start ${file}: too many open files (${code}); the step can be retried once files are closed`;
  }
  if (code === 'EAGAIN') return `could not start ${file}: too many processes (EAGAIN)`;
  return `could not start ${file}: ${(error as Error).message}`;
}

function parseJson(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}
