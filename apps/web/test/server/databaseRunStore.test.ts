import { afterAll } from 'vitest';
import { runStoreContract } from '@switchyard/workflow-engine/testing';
import { createDatabaseRunStore } from '../../src/server/db/DatabaseRunStore.ts';
import { projects, workflowDefinitions } from '../../src/server/db/schema.ts';
import { DATABASE_KINDS } from './databases.ts';
import type { DatabaseKind } from './databases.ts';

// One database per kind for the file; every contract test gets a project of its own, which scopes the store's
// listing and claiming, so tests cannot see each other's runs.
const opened = new Map<DatabaseKind['name'], ReturnType<DatabaseKind['open']>>();
afterAll(async () => {
  for (const handle of opened.values()) await (await handle).drop();
});

/** The template ids the contract's runs are created with. */
const CONTRACT_TEMPLATES = ['demo', 'one', 'two'];

for (const kind of DATABASE_KINDS) {
  runStoreContract(`database (${kind.name})`, async ({ clock }) => {
    if (!opened.has(kind.name)) opened.set(kind.name, kind.open());
    const handle = await opened.get(kind.name)!;
    const [project] = await handle.db
      .insert(projects)
      .values({ name: 'contract', path: `/contract/${crypto.randomUUID()}` })
      .returning();
    // A run belongs to its template's row: the templates the contract's runs name are registered first.
    await handle.db.insert(workflowDefinitions).values(
      CONTRACT_TEMPLATES.map((identifier) => ({
        project_id: project!.id,
        identifier,
        name: identifier,
        type: 'yaml' as const,
        path: `/contract/${identifier}.yaml`,
        content_hash: '',
      })),
    );
    return { store: createDatabaseRunStore(handle.db, { projectId: project!.id, clock }) };
  });
}
