import { randomUUID } from 'node:crypto';
import { createMemoryFollowUpQueue } from '../../src/storage/MemoryFollowUpQueue.ts';
import { followUpQueueContract } from '../../src/testing/followUpQueueContract.ts';

followUpQueueContract('memory', () => ({ queue: createMemoryFollowUpQueue(), newRun: async () => randomUUID() }));
