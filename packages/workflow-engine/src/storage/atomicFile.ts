import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Temp files are named by process and by a count, not by a fresh random suffix each (a `getrandom` call). */
const processToken = randomBytes(4).toString('hex');
let tempCount = 0;
const tempPathOf = (path: string) => `${path}.${process.pid}.${processToken}.${++tempCount}.tmp`;

/**
 * Writes a file so that readers see the old content or the new, never a torn one: temp file, then rename.
 * No fsync: the promise is surviving the death of a process (the page cache outlives it), not a power loss.
 */
export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  const temp = tempPathOf(path);
  try {
    await writeFile(temp, content).catch(async (error: NodeJS.ErrnoException) => {
      // The directory is created on first use only: a mkdir per write would double the cost of small files.
      if (error.code !== 'ENOENT') throw error;
      await mkdir(dirname(path), { recursive: true });
      await writeFile(temp, content);
    });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Creates a file that must not exist yet, whole or not at all; false when it already exists. The content goes to a
 * temp file first, which is then hard-linked to `path` (a link, unlike a rename, fails when `path` exists): a write
 * that fails half-way — a full disk — leaves no empty or torn file behind to be read back as valid.
 */
export async function createFileExclusive(path: string, content: string): Promise<boolean> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempPathOf(path);
  try {
    await writeFile(temp, content, { flag: 'wx' });
    await link(temp, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links: an exclusive open, which a failed write can leave partly written.
    if (code === 'ENOTSUP' || code === 'EOPNOTSUPP') return createOpenExclusive(path, content);
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
}

async function createOpenExclusive(path: string, content: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx');
    try {
      await handle.writeFile(content);
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}
