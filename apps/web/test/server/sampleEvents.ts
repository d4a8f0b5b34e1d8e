/** Valid wire events (`protocol/events.ts`) for tests of the bus, the WebSocket and the bridge between processes. */
import { randomUUID } from 'node:crypto';
import type { WorkflowEvent } from '../../src/protocol/events.ts';

const AT = '2026-12-01T10:00:00.000Z';

/** A progress event of run `runId` whose output text carries `n` and `tag`, so a test can tell events apart. */
export function progressEvent(n: number, options: { runId?: string; tag?: string; pad?: string } = {}): WorkflowEvent {
  return {
    type: 'workflow.step.progress',
    data: {
      execution_id: options.runId ?? RUN_ID,
      step_id: 'build',
      phase: 'build',
      progress: { kind: 'output', stream: 'stdout', text: `${options.tag ?? ''}#${n}${options.pad ?? ''}` },
    },
  };
}

/** The tag a {@link progressEvent} carries; undefined for any other event. */
export function tagOf(event: WorkflowEvent): string | undefined {
  if (event.type !== 'workflow.step.progress' || event.data.progress.kind !== 'output') return undefined;
  return event.data.progress.text.split('#')[0];
}

export const RUN_ID = '00000000-0000-4000-8000-000000000001';

/** One event of each of the seven types, in the order the protocol lists them. */
export function oneOfEachEvent(runId = RUN_ID): WorkflowEvent[] {
  const result = { status: 'completed' as const, data: 'ok', attempts: 1, startedAt: AT, finishedAt: AT };
  const artifact = {
    id: randomUUID(),
    workflow_run_step_id: randomUUID(),
    workflow_comment_id: null,
    name: 'report.txt',
    file_path: 'artifacts/build/report.txt',
    file_type: 'text',
    mime_type: 'text/plain',
    size_bytes: 2,
    sha256: 'a'.repeat(64),
    description: null,
    dedupe_key: null,
    created_at: AT,
    updated_at: AT,
  };
  const comment = {
    id: randomUUID(),
    workflow_run_id: runId,
    workflow_run_step_id: null,
    text: 'looks good',
    comment_type: 'user' as const,
    created_by: null,
    dedupe_key: null,
    anchor: null,
    artifacts: [],
    created_at: AT,
    updated_at: AT,
  };
  return [
    {
      type: 'workflow.step.started',
      data: { execution_id: runId, step_id: 'build', phase: 'build', name: 'Build', step_type: 'script', attempt: 1 },
    },
    progressEvent(1, { runId }),
    {
      type: 'workflow.step.completed',
      data: { execution_id: runId, step_id: 'build', phase: 'build', status: 'completed', result },
    },
    { type: 'workflow.comment.created', data: { execution_id: runId, step_id: null, comment } },
    { type: 'workflow.artifact.created', data: { execution_id: runId, step_id: 'build', artifact } },
    {
      type: 'workflow.execution.status_changed',
      data: { execution_id: runId, status: 'completed', previous_status: 'running' },
    },
    { type: 'workflow.execution.phase_changed', data: { execution_id: runId, phase: 'test', previous_phase: 'build' } },
  ];
}
