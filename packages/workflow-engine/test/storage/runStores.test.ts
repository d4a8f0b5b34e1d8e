import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileRunStore } from '../../src/storage/FileRunStore.ts';
import { createMemoryRunStore } from '../../src/storage/MemoryRunStore.ts';
import { runStoreContract } from '../../src/testing/runStoreContract.ts';

runStoreContract('memory', () => ({ store: createMemoryRunStore() }));

runStoreContract('files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-files-'));
  return {
    store: createFileRunStore(join(dir, 'executions')),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
