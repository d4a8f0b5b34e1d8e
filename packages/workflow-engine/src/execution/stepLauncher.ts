/**
 * Spawning a script step's process through the step launcher (stepLauncherChild.mjs), a small process started once,
 * so that a spawn costs what it costs from a bare Node process however large this one's heap has grown. What comes
 * back behaves like the child it spawned: a pid, its stdout and stderr as streams, its `exit` and `close`.
 * If the launcher cannot be started at all, the child is spawned from this process, as before it existed.
 */
import { fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const LAUNCHER = fileURLToPath(new URL('./stepLauncherChild.mjs', import.meta.url));

export interface LaunchRequest {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

/** A step's process: `exit` (code, signal) when it exits, `close` once its output has ended too. */
export interface LaunchedProcess extends EventEmitter {
  readonly pid: number;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Stops reading its output (a process that left its group may hold the pipes open forever). */
  release(): void;
}

type LauncherMessage =
  | { id: number; op: 'spawned'; pid: number }
  | { id: number; op: 'error'; code?: string; message: string }
  | { id: number; op: 'data'; fd: 1 | 2; chunk: Uint8Array }
  | { id: number; op: 'exit'; code: number | null; signal: NodeJS.Signals | null }
  /** With the exit when no `exit` message came before it. */
  | { id: number; op: 'close'; code?: number | null; signal?: NodeJS.Signals | null };

interface Pending {
  resolve(process: LaunchedProcess): void;
  reject(error: NodeJS.ErrnoException): void;
  launched?: RemoteProcess;
}

/**
 * The launcher's report of one child. Several messages can arrive in one read of the channel, before whoever awaits
 * the spawn has listened: output waits in the streams until read, and `exit` and `close` are emitted no earlier than
 * the next turn of the event loop — `close`, as a child's, once both streams have ended.
 */
class RemoteProcess extends EventEmitter implements LaunchedProcess {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  constructor(
    readonly pid: number,
    readonly release: () => void,
  ) {
    super();
  }

  exited(code: number | null, signal: NodeJS.Signals | null): void {
    setImmediate(() => this.emit('exit', code, signal));
  }

  closed(): void {
    this.stdout.end();
    this.stderr.end();
    void Promise.all([finished(this.stdout), finished(this.stderr)])
      .catch(() => undefined)
      .then(() => setImmediate(() => this.emit('close')));
  }
}

let launcher: ChildProcess | undefined;
let nextId = 1;
const pending = new Map<number, Pending>();

function startLauncher(): ChildProcess {
  const child = fork(LAUNCHER, [], {
    // A small plain-JavaScript process: none of this process's loaders, flags or environment.
    execArgv: [],
    env: {},
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    serialization: 'advanced',
  });
  child.on('message', (message: LauncherMessage) => receive(message));
  const lost = () => {
    if (launcher !== child) return;
    launcher = undefined;
    // Its step processes run on in their own groups, unheard: they are killed and their steps fail.
    for (const [id, entry] of pending) {
      pending.delete(id);
      const remote = entry.launched;
      if (!remote) {
        entry.reject(Object.assign(new Error('the step launcher exited'), { code: 'ELAUNCHER' }));
        continue;
      }
      try {
        process.kill(-remote.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
      remote.exited(null, 'SIGKILL');
      remote.closed();
    }
  };
  child.on('exit', lost);
  child.on('error', lost);
  // Neither the launcher nor its channel keeps this process alive while no step process runs.
  child.unref();
  child.channel?.unref();
  return child;
}

function receive(message: LauncherMessage): void {
  const entry = pending.get(message.id);
  if (!entry) return;
  const remote = entry.launched;
  switch (message.op) {
    case 'spawned':
      entry.launched = new RemoteProcess(message.pid, () => {
        launcher?.send({ op: 'release', id: message.id });
        entry.launched?.stdout.destroy();
        entry.launched?.stderr.destroy();
      });
      entry.resolve(entry.launched);
      return;
    case 'error':
      settle(message.id);
      entry.reject(Object.assign(new Error(message.message), { code: message.code }));
      return;
    case 'data':
      (message.fd === 1 ? remote?.stdout : remote?.stderr)?.write(
        Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength),
      );
      return;
    case 'exit':
      remote?.exited(message.code, message.signal);
      return;
    case 'close':
      settle(message.id);
      if (message.code !== undefined) remote?.exited(message.code, message.signal ?? null);
      remote?.closed();
      return;
  }
}

function settle(id: number): void {
  pending.delete(id);
  if (pending.size === 0) launcher?.channel?.unref();
}

/** Starts the launcher now, while this process is still small, rather than with the first script step. */
export function prepareStepLauncher(): void {
  if (launcher) return;
  try {
    launcher = startLauncher();
  } catch {
    launcher = undefined;
  }
}

/**
 * Spawns `file` with `args` in a process group and session of its own, its stdin closed. Rejects with the error the
 * spawn failed with (its `code`: ENOENT, EACCES, EMFILE…).
 */
export function launchStepProcess(request: LaunchRequest): Promise<LaunchedProcess> {
  prepareStepLauncher();
  const channel = launcher;
  if (!channel?.connected) return spawnHere(request);
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    channel.channel?.ref();
    channel.send({ op: 'spawn', id, ...request });
  });
}

function spawnHere({ file, args, cwd, env }: LaunchRequest): Promise<LaunchedProcess> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch (error) {
      return reject(error as NodeJS.ErrnoException);
    }
    child.once('error', reject);
    const { pid, stdout, stderr } = child;
    if (pid === undefined || !stdout || !stderr) return;
    child.once('spawn', () => {
      child.off('error', reject);
      child.on('error', () => undefined);
      const local = Object.assign(child, {
        release: () => {
          stdout.destroy();
          stderr.destroy();
        },
      }) as unknown as LaunchedProcess;
      resolve(local);
    });
  });
}
