import { readFile, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createFileExclusive } from './atomicFile.ts';

const STALE_AFTER_MS = 30_000;
const GIVE_UP_AFTER_MS = 15_000;

/**
 * Runs `fn` while holding a lock file, across processes. A lock whose holder died (kill -9) is taken over: its
 * pid no longer exists, or it is older than any operation could take.
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    if (await createFileExclusive(lockPath, String(process.pid))) break;
    if (await isStale(lockPath)) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() - started > GIVE_UP_AFTER_MS) {
      throw new Error(`timed out waiting for lock ${lockPath}, held by pid ${await holder(lockPath)}`);
    }
    await sleep(Math.min(1 + attempt, 20));
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}

async function holder(lockPath: string): Promise<number | undefined> {
  const pid = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
  return Number.isNaN(pid) ? undefined : pid;
}

async function isStale(lockPath: string): Promise<boolean> {
  const pid = await holder(lockPath);
  // An empty file is a lock being written right now, unless it has been empty for too long.
  if (pid !== undefined && pid !== process.pid && !isProcessAlive(pid)) return true;
  const info = await stat(lockPath).catch(() => undefined);
  return info !== undefined && Date.now() - info.mtimeMs > STALE_AFTER_MS;
}

/** Whether a process with this pid exists (one we may not signal counts: it exists). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
