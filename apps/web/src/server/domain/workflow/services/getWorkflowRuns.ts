import { and, count, desc, eq, gte, ilike, inArray, or, sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import type { RunStatus } from '@switchyard/workflow-engine';
import type { AppDatabase } from '../../../db/connection.ts';
import { NotFoundError } from '../../../../errors.ts';
import { projects, workflowRuns } from '../../../db/schema.ts';
import { runViews } from '../runView.ts';
import type { RunPage } from '../../../../protocol/runs.ts';

export interface RunListFilter {
  projectId: string;
  status?: RunStatus[];
  phase?: string;
  workflowDefinitionId?: string;
  /** Searched in the name and the args, case-insensitively. */
  text?: string;
  /** ISO 8601: runs created at or after it. */
  createdAfter?: string;
  limit: number;
  offset: number;
}

/** The board's query: a project's runs, newest first, filtered and paginated, each with steps and counts. */
export async function getWorkflowRuns(deps: { db: AppDatabase }, filter: RunListFilter): Promise<RunPage> {
  const [project] = await deps.db.select({ id: projects.id }).from(projects).where(eq(projects.id, filter.projectId));
  if (!project) throw new NotFoundError('project', filter.projectId, { field: 'project_id' });
  const conditions: SQL[] = [eq(workflowRuns.project_id, filter.projectId)];
  if (filter.status?.length) conditions.push(inArray(workflowRuns.status, filter.status));
  if (filter.phase) conditions.push(eq(workflowRuns.current_phase, filter.phase));
  if (filter.workflowDefinitionId)
    conditions.push(eq(workflowRuns.workflow_definition_id, filter.workflowDefinitionId));
  if (filter.text?.trim()) {
    // The text is matched literally: % and _ are not wildcards to whoever typed them.
    const pattern = `%${filter.text.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(or(ilike(workflowRuns.name, pattern), sql`${workflowRuns.args}::text ilike ${pattern}`)!);
  }
  if (filter.createdAfter) conditions.push(gte(workflowRuns.created_at, filter.createdAfter));
  const where = and(...conditions);
  const [rows, [total]] = await Promise.all([
    deps.db
      .select()
      .from(workflowRuns)
      .where(where)
      .orderBy(desc(workflowRuns.created_at), desc(workflowRuns.id))
      .limit(filter.limit)
      .offset(filter.offset),
    deps.db.select({ n: count() }).from(workflowRuns).where(where),
  ]);
  return {
    data: await runViews(deps.db, rows),
    pagination: { total: Number(total?.n ?? 0), limit: filter.limit, offset: filter.offset },
  };
}
