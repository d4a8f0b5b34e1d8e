/**
 * The WebSocket protocol (`/ws`): the seven events a run produces, as one discriminated union, and the messages
 * client and server exchange. Events are published per project and numbered by the server that delivers them.
 */
import { z } from 'zod';
import { RUN_STATUSES, STEP_TYPES } from '@switchyard/workflow-engine/vocabulary';
import { Artifact } from './artifacts.ts';
import { Comment } from './comments.ts';
import { ErrorEnvelope, uuid } from './common.ts';
import { StepResult, StepStatus } from './runs.ts';

const RunStatus = z.enum(RUN_STATUSES);

/** What a running step reports as it goes: script output, an agent's stream event, or a `ctx.log` line. */
export const StepProgress = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('output'), stream: z.enum(['stdout', 'stderr']), text: z.string() }),
  /** One `AgentEvent` of the agent SDK (`message.text`, `tool.call`, …), or a raw line it did not know. */
  z.object({ kind: z.literal('agent'), event: z.unknown() }),
  z.object({ kind: z.literal('log'), message: z.string() }),
]);
export type StepProgress = z.infer<typeof StepProgress>;

const event = <T extends string, D extends z.ZodRawShape>(type: T, data: D) =>
  z.object({ type: z.literal(type), data: z.object({ execution_id: uuid(), ...data }) });

export const WorkflowEvent = z.discriminatedUnion('type', [
  event('workflow.step.started', {
    step_id: z.string(),
    phase: z.string(),
    name: z.string(),
    step_type: z.enum(STEP_TYPES),
    attempt: z.number().int().nonnegative(),
  }),
  event('workflow.step.progress', { step_id: z.string(), phase: z.string(), progress: StepProgress }),
  event('workflow.step.completed', { step_id: z.string(), phase: z.string(), status: StepStatus, result: StepResult }),
  event('workflow.execution.status_changed', {
    status: RunStatus,
    /** Null for a run just created. */
    previous_status: RunStatus.nullable(),
    error: z.string().nullable().optional(),
    /** Set when the run went to sleep (`ctx.sleep`): when it wakes. */
    wake_at: z.string().optional(),
  }),
  event('workflow.execution.phase_changed', { phase: z.string(), previous_phase: z.string().nullable() }),
  event('workflow.comment.created', { step_id: z.string().nullable(), comment: Comment }),
  event('workflow.artifact.created', { step_id: z.string(), artifact: Artifact }),
]);
export type WorkflowEvent = z.infer<typeof WorkflowEvent>;
export type WorkflowEventType = WorkflowEvent['type'];
export const WORKFLOW_EVENT_TYPES = WorkflowEvent.options.map((option) => option.shape.type.value);

/** An event as delivered: numbered on the delivering server, in publication order. */
export type NumberedEvent = WorkflowEvent & { id: number };
export const NumberedEvent = z.intersection(z.object({ id: z.number().int().positive() }), WorkflowEvent);

export const ClientMessage = z.discriminatedUnion('type', [
  /** Receive the project's events; with the last id (and boot id) seen, also what was missed. */
  z.object({
    type: z.literal('subscribe'),
    project_id: z.guid(),
    last_event_id: z.number().int().nonnegative().optional(),
    boot_id: z.string().max(200).optional(),
  }),
  z.object({ type: z.literal('unsubscribe'), project_id: z.guid() }),
  z.object({ type: z.literal('ping') }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

/** Why a subscriber must refetch instead of replaying: ids from another boot, or events no longer buffered. */
export const RESYNC_REASONS = ['boot_changed', 'events_evicted', 'unknown_event_id'] as const;
export type ResyncReason = (typeof RESYNC_REASONS)[number];

export const ServerMessage = z.union([
  z.object({
    type: z.literal('subscribed'),
    project_id: z.string(),
    boot_id: z.string(),
    last_event_id: z.number().int().nonnegative(),
  }),
  z.object({ type: z.literal('resync'), project_id: z.string(), reason: z.enum(RESYNC_REASONS) }),
  z.object({ type: z.literal('pong') }),
  z.object({ type: z.literal('error'), error: ErrorEnvelope.shape.error }),
  NumberedEvent,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
