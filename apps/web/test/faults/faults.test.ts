/**
 * The fault suite (faultSuite.ts) in two sizes: a handful of kills in `npm test`, and `npm run test:faults`
 * (SWITCHYARD_FAULT_KILLS=100) for the long run. SWITCHYARD_FAULT_SEED replays a seed; each run prints its report.
 */
import { describe, expect, it } from 'vitest';
import { createPostgresDatabase, POSTGRES_REACHABLE } from '../server/databases.ts';
import { runFaultSuite } from './faultSuite.ts';

const KILLS = Number(process.env.SWITCHYARD_FAULT_KILLS) || 0;
const SEED = Number(process.env.SWITCHYARD_FAULT_SEED) || 20261201;
/** Each kill costs a process start (3–6 s here, several times that on a busy machine) and the workload around it. */
const timeout = (kills: number) => 120_000 + kills * 40_000;
const log = (line: string) => console.log(line);

describe('the fault suite', () => {
  const pgliteKills = KILLS || 3;
  it(
    `keeps every promise across ${pgliteKills} kill -9s of the server on PGlite`,
    async () => {
      const report = await runFaultSuite({ database: 'pglite', kills: pgliteKills, seed: SEED, log });
      expect(report.violations).toEqual([]);
      expect(report.runs).toBeGreaterThanOrEqual(pgliteKills);
    },
    timeout(pgliteKills),
  );

  const postgresKills = KILLS || 2;
  it.runIf(POSTGRES_REACHABLE)(
    `keeps every promise across ${postgresKills} kill -9s of a worker on PostgreSQL`,
    async () => {
      const database = await createPostgresDatabase();
      try {
        const report = await runFaultSuite({
          database: { url: database.url },
          kills: postgresKills,
          seed: SEED + 1,
          log,
        });
        expect(report.violations).toEqual([]);
        expect(report.runs).toBeGreaterThanOrEqual(postgresKills);
      } finally {
        await database.drop();
      }
    },
    timeout(postgresKills),
  );
});
