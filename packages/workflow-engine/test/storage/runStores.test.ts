import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileRunStore } from '../../src/storage/FileRunStore.ts';
import { createMemoryRunStore } from '../../src/storage/MemoryRunStore.ts';
import { runStoreContract } from '../../src/testing/runStoreContract.ts';

runStoreContract('memory', ({ clock }) => ({ store: createMemoryRunStore({ clock }) }));

runStoreContract('files', async ({ clock }) => {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-files-'));
  return {
    store: createFileRunStore(join(dir, 'executions'), { clock }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
