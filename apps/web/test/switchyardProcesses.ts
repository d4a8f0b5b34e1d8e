/**
 * Real `switchyard serve` and `switchyard worker` processes, as an operator starts them, for the tests
 * (`processes.ts` kills them after each test) and the bench: each resolves once the process says it is ready.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../bin/switchyard.js', import.meta.url));

export interface SwitchyardProcess {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  /** Resolves with the exit code (null after a signal) once the process has exited. */
  exited: Promise<number | null>;
}

export interface ServerProcess extends SwitchyardProcess {
  url: string;
}

const started: SwitchyardProcess[] = [];

/** Kills (SIGKILL) every process started here that still runs, and waits for them to exit. */
export async function killProcesses(): Promise<void> {
  const running = started.splice(0);
  for (const { child } of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(running.map((process) => process.exited));
}

/** How long a process may take to say it is ready, on a busy machine whose PostgreSQL is shared. */
const READY_TIMEOUT_MS = 60_000;

function startProcess(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<SwitchyardProcess & { match: RegExpExecArray }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  started.push({ child, output: () => output, exited });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`switchyard ${args[0]} not ready in 60 s:\n${output}`)),
      READY_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, output: () => output, exited, match });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`switchyard ${args[0]} exited with ${code} before it was ready:\n${output}`));
    });
  });
}

/** `switchyard serve --port 0` for `projectDir`; `args` are more options (`--no-workers`). */
export async function startServerProcess(
  projectDir: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<ServerProcess> {
  const { match, ...server } = await startProcess(
    ['serve', '--port', '0', '--project', projectDir, ...args],
    env,
    /listening on (http:\/\/\S+)/,
  );
  return { ...server, url: match[1]! };
}

/** `switchyard worker` on `env.DATABASE_URL`. */
export async function startWorkerProcess(env: Record<string, string>, args: string[] = []): Promise<SwitchyardProcess> {
  const { match: _match, ...worker } = await startProcess(
    ['worker', ...args],
    env,
    /switchyard worker \S+ executing runs/,
  );
  return worker;
}
