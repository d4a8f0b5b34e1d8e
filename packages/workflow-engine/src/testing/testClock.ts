import type { Clock } from '../storage/stateRunStore.ts';

/** A {@link Clock} that stands still until a test moves it. */
export interface TestClock extends Clock {
  advance(ms: number): void;
}

/** Starts at a fixed instant, so that what a store writes from the clock is the same on every run. */
export function createTestClock(start: Date = new Date('2026-01-01T00:00:00.000Z')): TestClock {
  let nowMs = start.getTime();
  return {
    now: () => new Date(nowMs),
    advance(ms) {
      nowMs += ms;
    },
  };
}
