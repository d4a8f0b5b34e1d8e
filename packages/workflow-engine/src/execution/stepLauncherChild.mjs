/**
 * The step launcher: a small process that spawns script steps' processes for its owner. A process holding a large
 * heap (PGlite's WebAssembly memory) pays for it on every fork — 30–40 ms a spawn here, against 2–4 ms from a small
 * process — so the owner asks this one instead, over its IPC channel, and gets the child's pid, output and exit back.
 * It exits when the channel closes, however its owner ended; the step processes are not its to kill (the watchdog
 * does that, by their tag) and live in process groups of their own.
 *
 * Messages in: { op: 'spawn', id, file, args, cwd, env } and { op: 'release', id } (stop reading the child's pipes).
 * Messages out, per id: spawned { pid } | error { code, message }, then data { fd, chunk }, and close { code,
 * signal } once it has exited and its output has ended. A child whose output outlives it (a process it left
 * behind holds the pipes) sends exit { code, signal } first, when it exits. Each message is a round trip through
 * both processes: a short step sends two.
 */
import { spawn } from 'node:child_process';
import { setImmediate } from 'node:timers';

/** @type {Map<number, import('node:child_process').ChildProcess>} */
const children = new Map();

/** @param {Record<string, unknown>} message */
function send(message) {
  // A send after the owner has gone has nowhere to go; 'disconnect' below ends this process.
  if (process.connected) process.send?.(message);
}

/** @param {{ id: number, file: string, args: string[], cwd: string, env: Record<string, string> }} request */
function launch({ id, file, args, cwd, env }) {
  let child;
  try {
    child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  } catch (error) {
    send({ id, op: 'error', code: error?.code, message: error?.message ?? String(error) });
    return;
  }
  let failed = false;
  child.on('error', (error) => {
    if (failed) return;
    failed = true;
    children.delete(id);
    send({ id, op: 'error', code: error.code, message: error.message });
  });
  const { stdout, stderr } = child;
  // Without a pid or pipes the spawn failed (ENOENT, EMFILE): the 'error' above reports it.
  if (child.pid === undefined || !stdout || !stderr) return;
  children.set(id, child);
  send({ id, op: 'spawned', pid: child.pid });
  for (const [fd, stream] of /** @type {const} */ ([
    [1, stdout],
    [2, stderr],
  ])) {
    stream.on('data', (chunk) => send({ id, op: 'data', fd, chunk }));
    stream.on('error', () => undefined);
  }
  /** @type {{ code: number | null, signal: NodeJS.Signals | null } | undefined} */
  let exit;
  let exitSent = false;
  child.on('exit', (code, signal) => {
    exit = { code, signal };
    // Usually the output ends in the same turn and close carries the exit; if not, the exit goes on its own.
    setImmediate(() => {
      if (!children.has(id)) return;
      exitSent = true;
      send({ id, op: 'exit', code, signal });
    });
  });
  child.on('close', (code, signal) => {
    children.delete(id);
    send({ id, op: 'close', ...(exitSent ? {} : (exit ?? { code, signal })) });
  });
}

process.on('message', (/** @type {any} */ message) => {
  if (message?.op === 'spawn') launch(message);
  else if (message?.op === 'release') {
    const child = children.get(message.id);
    child?.stdout?.destroy();
    child?.stderr?.destroy();
  }
});
process.on('disconnect', () => process.exit(0));
