/**
 * Keeping track of the processes steps start (see processTags.mjs for how they are found): the tag each attempt's
 * processes carry, the watchdog that kills them when this process dies however it dies, and the kills on cancel,
 * timeout and at the start of a process that takes over from a dead one.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ownerAlive, ownerOf, signalTagged, TAG_VARIABLE, TAGS_READABLE } from './processTags.mjs';

export { TAG_VARIABLE as STEP_TAG_VARIABLE };

const WATCHDOG = fileURLToPath(new URL('./stepWatchdog.mjs', import.meta.url));

let owner: string | undefined;
let watchdog: ChildProcess | undefined;

function thisOwner(): string {
  owner ??= ownerOf(process.pid) ?? `${process.pid}.0`;
  return owner;
}

/**
 * The tag of one attempt of a step: `<owner>/<run>/<step>/<nonce>`. Starts this process's watchdog first, so that
 * no step process exists before something will kill it if this process dies.
 */
export function newStepTag(runId: string, stepId: string): string {
  ensureWatchdog();
  return `${runTagPrefix(runId)}${stepId}/${randomBytes(4).toString('hex')}`;
}

function runTagPrefix(runId: string): string {
  return `${thisOwner()}/${runId}/`;
}

function ensureWatchdog(): void {
  if (watchdog || !TAGS_READABLE) return;
  const child = spawn(process.execPath, [WATCHDOG, thisOwner()], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
    env: {},
  });
  const forget = () => {
    if (watchdog === child) watchdog = undefined;
  };
  child.on('error', forget);
  child.on('exit', forget);
  child.stdin?.on('error', () => undefined);
  // Neither the watchdog nor its pipe keeps this process alive; the pipe only has to close when this process ends.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  watchdog = child;
}

/** Signals every process of the step attempt tagged `tag`, those that left its process group included. */
export function signalStepProcesses(tag: string, signal: NodeJS.Signals): Promise<number> {
  return signalTagged((found) => found === tag, signal);
}

/** Kills every process this process started for the run's steps (a cancelled run's leftover daemons). */
export function killRunProcesses(runId: string): Promise<number> {
  const prefix = runTagPrefix(runId);
  return signalTagged((tag) => tag.startsWith(prefix), 'SIGKILL');
}

/**
 * Kills the step processes whose owner is gone — a server or worker killed with -9 whose watchdog died with it (or
 * had no time) — before this process resumes their runs, so that an old copy of a step never runs beside the new one.
 * Answers how many were killed.
 */
export function reapOrphanedStepProcesses(): Promise<number> {
  return signalTagged((tag) => !ownerAlive(tag), 'SIGKILL');
}
