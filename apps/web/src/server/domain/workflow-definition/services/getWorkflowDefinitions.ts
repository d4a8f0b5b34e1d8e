/** Reading templates (workflow definitions) for the API, invalid ones included with their error. */
import { asc, eq, sql } from 'drizzle-orm';
import type { AppDatabase } from '../../../db/connection.ts';
import type { WorkflowDefinition } from '../../../../protocol/templates.ts';
import { rowJson } from '../../../db/rowJson.ts';
import { projects, workflowDefinitions } from '../../../db/schema.ts';
import { NotFoundError } from '../../../../errors.ts';

export type WorkflowDefinitionRow = typeof workflowDefinitions.$inferSelect;

interface Deps {
  db: AppDatabase;
}

/** Row → API JSON (`protocol/templates.ts`): timestamps as ISO 8601, and `valid` so a client need not infer it. */
export function workflowDefinitionView(row: WorkflowDefinitionRow): WorkflowDefinition {
  return { ...rowJson(row), valid: row.error === null };
}

/** A project's definitions ordered by name (ignoring case); an unknown project is a 404 rather than an empty list. */
export async function getWorkflowDefinitions(deps: Deps, projectId: string): Promise<WorkflowDefinition[]> {
  const [project] = await deps.db.select({ id: projects.id }).from(projects).where(eq(projects.id, projectId));
  if (!project) throw new NotFoundError('project', projectId, { field: 'project_id' });
  const rows = await deps.db
    .select()
    .from(workflowDefinitions)
    .where(eq(workflowDefinitions.project_id, projectId))
    // Case-insensitive, and by code point so PGlite and a PostgreSQL with any default collation agree.
    .orderBy(sql`lower(${workflowDefinitions.name}) collate "C"`, asc(workflowDefinitions.identifier));
  return rows.map(workflowDefinitionView);
}

/** One definition by id, or a 404. */
export async function getWorkflowDefinition(deps: Deps, id: string): Promise<WorkflowDefinition> {
  const [row] = await deps.db.select().from(workflowDefinitions).where(eq(workflowDefinitions.id, id));
  if (!row) throw new NotFoundError('workflow definition', id);
  return workflowDefinitionView(row);
}
