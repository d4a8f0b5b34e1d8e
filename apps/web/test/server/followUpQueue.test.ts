/** The database's follow-up queue (`workflow_follow_ups`) meets the engine's contract, on PGlite and PostgreSQL. */
import { afterAll } from 'vitest';
import { followUpQueueContract } from '@switchyard/workflow-engine/testing';
import { createDatabaseRunStore } from '../../src/server/db/DatabaseRunStore.ts';
import { projects, workflowDefinitions } from '../../src/server/db/schema.ts';
import { createDatabaseFollowUpQueue } from '../../src/server/domain/workflow-step/followUpQueue.ts';
import { DATABASE_KINDS } from './databases.ts';
import type { DatabaseKind } from './databases.ts';

const opened = new Map<DatabaseKind['name'], ReturnType<DatabaseKind['open']>>();
afterAll(async () => {
  for (const handle of opened.values()) await (await handle).drop();
});

for (const kind of DATABASE_KINDS) {
  followUpQueueContract(`database (${kind.name})`, async () => {
    if (!opened.has(kind.name)) opened.set(kind.name, kind.open());
    const handle = await opened.get(kind.name)!;
    const [project] = await handle.db
      .insert(projects)
      .values({ name: 'contract', path: `/contract/${crypto.randomUUID()}` })
      .returning();
    await handle.db.insert(workflowDefinitions).values({
      project_id: project!.id,
      identifier: 'demo',
      name: 'demo',
      type: 'yaml',
      path: '/contract/demo.yaml',
      content_hash: '',
    });
    const store = createDatabaseRunStore(handle.db, { projectId: project!.id });
    return {
      queue: createDatabaseFollowUpQueue(handle.db),
      newRun: async () => (await store.createRun({ definitionId: 'demo', name: 'Demo run', args: {} })).id,
    };
  });
}
