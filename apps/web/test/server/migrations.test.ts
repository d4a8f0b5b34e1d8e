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
  'workflow_follow_ups',
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
      // Migration 0009: a comment can point at a line of a run's diff.
      const commentColumns = await queryRows<{ column_name: string; data_type: string }>(
        handle.db,
        sql`select column_name, data_type from information_schema.columns where table_schema = current_schema() and table_name = 'workflow_comments'`,
      );
      expect(commentColumns).toContainEqual({ column_name: 'anchor', data_type: 'jsonb' });
      const indexes = await queryRows<{ indexname: string }>(
        handle.db,
        sql`select indexname from pg_indexes where schemaname = current_schema() and tablename = 'workflow_run_steps'`,
      );
      expect(indexes.map((r) => r.indexname)).toContain('workflow_run_steps_active_idx');
      // Every step moves these columns of its run's row; in no index, that update is rewritten in place (HOT).
      const runIndexes = await queryRows<{ indexdef: string }>(
        handle.db,
        sql`select indexdef from pg_indexes where schemaname = current_schema() and tablename = 'workflow_runs'`,
      );
      for (const column of ['updated_at', 'current_step_index', 'current_phase', 'lease_expires_at', 'lease_epoch'])
        expect(runIndexes.filter((r) => r.indexdef.includes(column))).toEqual([]);
      const [runTable] = await queryRows<{ reloptions: string[] | null }>(
        handle.db,
        sql`select reloptions from pg_class where relname = 'workflow_runs' and relnamespace = current_schema()::regnamespace`,
      );
      expect(runTable?.reloptions).toContain('fillfactor=70');
    } finally {
      await handle.drop();
    }
  });
});
