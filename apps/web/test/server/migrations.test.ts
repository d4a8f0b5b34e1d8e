import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../src/server/db/connection.ts';
import { DATABASE_KINDS } from './databases.ts';

const TABLES = [
  'agent_sessions',
  'projects',
  'users',
  'workflow_artifacts',
  'workflow_comments',
  'workflow_definitions',
  'workflow_events',
  'workflow_received_events',
  'workflow_run_steps',
  'workflow_runs',
];

describe.each(DATABASE_KINDS)('migrations on $name', (kind) => {
  it('apply to an empty database and create every table with its columns and indexes', async () => {
    const handle = await kind.open();
    try {
      const tables = await queryRows<{ table_name: string }>(
        handle.db,
        sql`select table_name from information_schema.tables where table_schema = current_schema() order by table_name`,
      );
      expect(tables.map((r) => r.table_name)).toEqual(TABLES);
      const columns = await queryRows<{ column_name: string }>(
        handle.db,
        sql`select column_name from information_schema.columns where table_schema = current_schema() and table_name = 'workflow_runs'`,
      );
      expect(columns.map((r) => r.column_name)).toEqual(
        expect.arrayContaining([
          'status',
          'current_phase',
          'current_step_index',
          'lease_owner',
          'lease_expires_at',
          'lease_epoch',
        ]),
      );
      const indexes = await queryRows<{ indexname: string }>(
        handle.db,
        sql`select indexname from pg_indexes where schemaname = current_schema() and tablename = 'workflow_run_steps'`,
      );
      expect(indexes.map((r) => r.indexname)).toContain('workflow_run_steps_active_idx');
    } finally {
      await handle.drop();
    }
  });
});
