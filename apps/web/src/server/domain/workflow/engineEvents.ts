/**
 * The engine's events as the API sends them: the one place where an engine event becomes a wire event
 * (`protocol/events.ts`), and the sink that publishes them on a project's bus as the engine emits them.
 */
import type { EventSink, RunComment, WorkflowEvent as EngineEvent } from '@switchyard/workflow-engine';
import type { Comment } from '../../../protocol/comments.ts';
import type { WorkflowEvent } from '../../../protocol/events.ts';
import type { EventBus } from '../../websocket/eventBus.ts';
import { artifactOfRun } from '../workflow-artifact/artifactStore.ts';

/** A comment a template wrote (`ctx.comment`), as the API shows comments; it has no author and no artifacts yet. */
function commentOf(comment: RunComment): Comment {
  return {
    id: comment.id,
    workflow_run_id: comment.runId,
    workflow_run_step_id: comment.stepRecordId,
    text: comment.text,
    comment_type: comment.type,
    created_by: null,
    dedupe_key: comment.key,
    anchor: null,
    artifacts: [],
    created_at: comment.createdAt,
    updated_at: comment.createdAt,
  };
}

export function toWireEvent(event: EngineEvent): WorkflowEvent {
  switch (event.type) {
    case 'workflow.comment.created':
      return { type: event.type, data: { ...event.data, comment: commentOf(event.data.comment) } };
    case 'workflow.artifact.created':
      return { type: event.type, data: { ...event.data, artifact: artifactOfRun(event.data.artifact) } };
    // The other events already have the wire's shape: the engine emits them in the seed's snake_case.
    default:
      return event;
  }
}

export function busEventSink(bus: EventBus, projectId: string): EventSink {
  return { emit: (event) => void bus.publish(projectId, toWireEvent(event)) };
}
