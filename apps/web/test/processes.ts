/**
 * The process harness for tests: real `switchyard serve` and `switchyard worker` processes
 * (`switchyardProcesses.ts`), every one still running after a test is killed then. A test whose own cleanups need them
 * gone first (dropping their database) calls `killProcesses` in those cleanups.
 */
import { afterEach } from 'vitest';
import { killProcesses } from './switchyardProcesses.ts';

export { killProcesses, startServerProcess, startWorkerProcess } from './switchyardProcesses.ts';
export type { ServerProcess, SwitchyardProcess } from './switchyardProcesses.ts';

afterEach(killProcesses);
