/**
 * An event from outside (a webhook): kept, then delivered to every run of its project — or to the one run it was
 * sent to — that waits at an event step for it (by name and its `match` fields). A run that is not waiting yet
 * finds it kept when it gets to its wait.
 */
import { InvalidTransitionError } from '@switchyard/workflow-engine';
import { sql } from 'drizzle-orm';
import type { EventReceipt } from '../../../protocol/receivedEvents.ts';
import { queryRows } from '../../db/connection.ts';
import { workflowReceivedEvents, workflowRunSteps, workflowRuns } from '../../db/schema.ts';
import type { WorkflowServiceDeps } from '../workflow/services/deps.ts';
import { requireRun } from '../workflow/runLookups.ts';
import { receivedEvent } from './eventInbox.ts';

export interface IncomingEvent {
  projectId: string;
  /** The run it was sent to; undefined for an event sent to the project. */
  runId?: string;
  name: string;
  data: Record<string, unknown>;
}

export async function receiveEvent(deps: WorkflowServiceDeps, incoming: IncomingEvent): Promise<EventReceipt> {
  const run = incoming.runId ? await requireRun(deps.db, incoming.runId) : undefined;
  const projectId = run?.project_id ?? incoming.projectId;
  const [row] = await deps.db
    .insert(workflowReceivedEvents)
    .values({ project_id: projectId, workflow_run_id: run?.id ?? null, name: incoming.name, data: incoming.data })
    .returning();
  const event = receivedEvent({ ...row!, received_at: row!.created_at });
  const ofRun = run ? sql` and r.id = ${run.id}::uuid` : sql` and r.created_at <= ${row!.created_at}::timestamptz`;
  const waiting = await queryRows<{ run_id: string; step_id: string; project_path: string }>(
    deps.db,
    sql`select r.id as run_id, s.step_id, p.path as project_path
        from ${workflowRuns} r join ${workflowRunSteps} s on s.workflow_run_id = r.id
        join projects p on p.id = r.project_id
        where r.project_id = ${projectId}::uuid and r.status = 'waiting'${ofRun}
          and s.type = 'event' and s.status = 'running' and s.invalidated_at is null
          and s.input->>'event' = ${incoming.name}
          and ${JSON.stringify(incoming.data)}::jsonb @> coalesce(s.input->'match', '{}'::jsonb)`,
  );
  const delivered: string[] = [];
  for (const target of waiting) {
    try {
      await deps.runtime
        .executorFor({ id: projectId, path: target.project_path })
        .deliverEvent(target.run_id, target.step_id, event);
      delivered.push(target.run_id);
    } catch (error) {
      // Another delivery took the wait first (another event, another server): this one stays kept.
      if (!(error instanceof InvalidTransitionError)) throw error;
    }
  }
  if (delivered.length > 0) deps.wakeWorkers();
  return { id: event.id, name: event.name, received_at: event.receivedAt, delivered_to: delivered };
}
