export { runStoreContract } from './runStoreContract.ts';
export { followUpQueueContract } from './followUpQueueContract.ts';
export type { FollowUpQueueFactory, FollowUpQueueFixture } from './followUpQueueContract.ts';
export type { RunStoreFactory, RunStoreFixture } from './runStoreContract.ts';
export { createTestClock } from './testClock.ts';
export type { TestClock } from './testClock.ts';
