/**
 * Script steps: a child process in its own process group, so that cancel and timeout kill the whole tree —
 * grandchildren included — and nothing the step started outlives it.
 */
import { spawn } from 'node:child_process';
import type { ScriptOutput } from '../types/step.ts';

const OUTPUT_TAIL_BYTES = 64 * 1024;
const KILL_GRACE_MS = 2_000;

export interface ScriptRun {
  command: string | string[];
  cwd: string;
  env?: Record<string, string>;
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
    const child = spawn(file, args, {
      cwd: run.cwd,
      env: { ...process.env, ...run.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      if (child.pid === undefined) return;
      killProcessGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killProcessGroup(child.pid!, 'SIGKILL'), KILL_GRACE_MS);
    };
    run.signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout.push(text);
      run.onOutput('stdout', text);
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr.push(text);
      run.onOutput('stderr', text);
    });
    // A background grandchild holding the pipes open would keep the step alive forever: once the main process
    // exits, what is left of its group goes too.
    child.on('exit', () => {
      if (child.pid !== undefined) killProcessGroup(child.pid, 'SIGKILL');
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      cleanup();
      const reason =
        error.code === 'ENOENT' ? `command not found: ${file}` : `could not start ${file}: ${error.message}`;
      resolve(finish(null, null, reason));
    });
    child.on('close', (code, signal) => {
      cleanup();
      if (run.signal.aborted)
        return resolve(finish(code, signal, `stopped: ${String(run.signal.reason ?? 'aborted')}`));
      if (code === 0) return resolve(finish(code, signal));
      resolve(finish(code, signal, signal ? `killed by ${signal}` : `exited with code ${code}`));
    });
    function cleanup() {
      run.signal.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
    }
  });
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
