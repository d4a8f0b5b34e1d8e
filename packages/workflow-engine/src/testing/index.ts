export { runStoreContract } from './runStoreContract.ts';
export type { RunStoreFactory, RunStoreFixture } from './runStoreContract.ts';
