import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import type { AgentEvent } from '../src/events.ts';
import type { AgentRunHooks } from '../src/types.ts';

/** Hooks that record everything, in arrival order, into `log` (events by type, session hooks by name). */
export function recordingHooks(signal: AbortSignal = new AbortController().signal) {
  const events: AgentEvent[] = [];
  const sessions: string[] = [];
  const log: string[] = [];
  const hooks: AgentRunHooks = {
    signal,
    onEvent(event) {
      events.push(event as AgentEvent);
      log.push((event as AgentEvent).type);
    },
    onSessionStarted(sessionId) {
      sessions.push(sessionId);
      log.push('onSessionStarted');
    },
  };
  return { hooks, events, sessions, log };
}

/** A temp dir removed after the current test. */
export function useTempDirs(): (prefix?: string) => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return (prefix = 'agent-sdk-') => {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}

/** Alive means present and not a zombie (a zombie has exited; only its parent has not collected it yet). */
export function isProcessAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export function eventsOfType<T extends AgentEvent['type']>(
  events: AgentEvent[],
  type: T,
): Extract<AgentEvent, { type: T }>[] {
  return events.filter((event): event is Extract<AgentEvent, { type: T }> => event.type === type);
}
