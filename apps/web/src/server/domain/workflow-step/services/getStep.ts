/** One step of a run, as the API sends it: the table's row plus its agent session, if the step had one. */
import { eq } from 'drizzle-orm';
import type { AppDatabase } from '../../../db/connection.ts';
import type { StepDetail } from '../../../../protocol/runs.ts';
import { rowJson } from '../../../db/rowJson.ts';
import { agentSessions, workflowRunSteps } from '../../../db/schema.ts';
import { NotFoundError } from '../../../../errors.ts';

export type StepRow = typeof workflowRunSteps.$inferSelect;
export type AgentSessionRow = typeof agentSessions.$inferSelect;

/** The step row joined with its `agent_sessions` row (or null), timestamps in ISO 8601; an unknown id is a 404. */
export async function getStep(deps: { db: AppDatabase }, id: string): Promise<StepDetail> {
  const [row] = await deps.db
    .select({ step: workflowRunSteps, agent_session: agentSessions })
    .from(workflowRunSteps)
    .leftJoin(agentSessions, eq(agentSessions.id, workflowRunSteps.agent_session_id))
    .where(eq(workflowRunSteps.id, id));
  if (!row) throw new NotFoundError('workflow step', id);
  return { ...rowJson(row.step), agent_session: row.agent_session && rowJson(row.agent_session) };
}
