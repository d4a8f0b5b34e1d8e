/**
 * Where a figure's CPU went, from Linux's /proc: the CPU time of given processes (with their children that have
 * exited), of the PostgreSQL server's processes, and how busy the whole machine was. Elsewhere (no /proc) the
 * readings are null: the figures they explain are still measured.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { round } from './stats.ts';

const TICK_MS = 1000 / Number(readOr(() => execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }), '100'));

function readOr<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/** utime + stime + cutime + cstime of a process, in ms; 0 for one that is gone. */
function processCpuMs(pid: number): number {
  const stat = readOr(() => readFileSync(`/proc/${pid}/stat`, 'utf8'), '');
  // The command name (field 2) may hold spaces; the fields after it are space-separated.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0) * TICK_MS;
}

function postgresPids(): number[] {
  return readOr(() => readdirSync('/proc'), [] as string[])
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => readOr(() => readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), '') === 'postgres')
    .map(Number);
}

/** Busy and total jiffies of all cores since boot. */
function machineTicks(): { busy: number; total: number } {
  const line = readOr(() => readFileSync('/proc/stat', 'utf8').split('\n')[0]!, '');
  const values = line.split(/\s+/).slice(1).map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  const total = values.reduce((sum, value) => sum + value, 0);
  return { busy: total - idle, total };
}

export interface CpuReading {
  /** CPU ms of each group of processes over the interval. */
  ms: Record<string, number>;
  /** Share of the machine's cores busy over the interval (with anything else running on it). */
  machine_busy: number;
}

/**
 * Starts measuring `groups` (name → pids) and the PostgreSQL server; `stop()` answers the CPU each used since, or
 * null where /proc is not there. PostgreSQL's processes are listed at both ends (a backend started meanwhile counts
 * from zero); one that exits in between loses its share.
 */
export function measureCpu(groups: Record<string, number[]>): { stop(): CpuReading | null } {
  const available = readOr(() => readFileSync('/proc/stat', 'utf8').length > 0, false);
  const perPid = (pids: number[]) => new Map(pids.map((pid) => [pid, processCpuMs(pid)]));
  const before = { groups: Object.entries(groups).map(([name, pids]) => [name, perPid(pids)] as const) };
  const postgresBefore = perPid(postgresPids());
  const machineBefore = machineTicks();
  const used = (start: Map<number, number>, end: Map<number, number>) =>
    [...end].reduce((sum, [pid, ms]) => sum + Math.max(0, ms - (start.get(pid) ?? 0)), 0);
  return {
    stop() {
      if (!available) return null;
      const ms: Record<string, number> = {};
      for (const [name, start] of before.groups) ms[name] = round(used(start, perPid([...start.keys()])));
      ms.postgres = round(used(postgresBefore, perPid(postgresPids())));
      const machine = machineTicks();
      return {
        ms,
        machine_busy: round((machine.busy - machineBefore.busy) / (machine.total - machineBefore.total), 2),
      };
    },
  };
}
