/**
 * PGlite is one process per data directory: a second opener would corrupt it. The directory gets a lock file
 * naming its holder; a lock whose process is gone (kill -9) is taken over.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive } from '@switchyard/workflow-engine';
import { DataDirLockedError } from '../../errors.ts';

export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'switchyard.lock');
  const me = {
    pid: process.pid,
    host: hostname(),
    command: process.argv.slice(1, 3).join(' '),
    since: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, JSON.stringify(me), { flag: 'wx' });
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = JSON.parse(await readFile(path, 'utf8').catch(() => '{}')) as DataDirLockedError['holder'];
      const sameHost = holder.host === me.host;
      if (holder.pid === process.pid && sameHost) throw new DataDirLockedError(dir, holder);
      if (holder.pid && sameHost && isProcessAlive(holder.pid)) throw new DataDirLockedError(dir, holder);
      await rm(path, { force: true });
    }
  }
  throw new Error(`could not lock ${dir}`);
}
