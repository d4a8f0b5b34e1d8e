/** Templates (workflow definitions), invalid ones included with their error. */
import { z } from 'zod';
import { listOf, timestamp, uuid } from './common.ts';

export const Phase = z.object({ id: z.string(), label: z.string(), gate: z.literal('manual').optional() });
export type Phase = z.infer<typeof Phase>;

export const WorkflowDefinition = z.object({
  id: uuid(),
  project_id: uuid(),
  /** The template's id: the slug of its file name (`fix-bug`). */
  identifier: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  type: z.enum(['code', 'yaml']),
  path: z.string(),
  phases: z.array(Phase),
  /** The args as JSON Schema: what the board's run form is generated from. */
  args_schema: z.record(z.string(), z.unknown()),
  content_hash: z.string(),
  /** False for a template run from a file outside the project's definitions folder. */
  is_template: z.boolean(),
  times_used: z.number().int().nonnegative(),
  /** Why the template cannot be loaded (`file:line:col field: message`); null for a valid one. */
  error: z.string().nullable(),
  valid: z.boolean(),
  created_at: timestamp(),
  updated_at: timestamp(),
});
export type WorkflowDefinition = z.infer<typeof WorkflowDefinition>;

export const WorkflowDefinitionList = listOf(WorkflowDefinition);

export const ListDefinitionsQuery = z.object({ project_id: uuid().optional() });
