import { eq, sql } from 'drizzle-orm';
import type { WorkspaceMode } from '@switchyard/workflow-engine';
import {
  ArgsValidationError,
  definitionFromInspection,
  inspectTemplate,
  TemplateError,
  WorkspaceError,
} from '@switchyard/workflow-engine';
import { workflowDefinitions } from '../../../db/schema.ts';
import { InvalidInputError, NotFoundError, TemplateUnusableError } from '../../../../errors.ts';
import type { WorkflowServiceDeps } from './deps.ts';
import { getWorkflowRunById } from './getWorkflowRunById.ts';
import type { RunDetail } from '../../../../protocol/runs.ts';

export interface CreateWorkflowRunInput {
  projectId: string;
  workflowDefinitionId: string;
  name?: string | undefined;
  args?: Record<string, unknown> | undefined;
  workspace?: WorkspaceMode | undefined;
  /** A worktree run's starting point (a branch or a commit) instead of the main checkout's HEAD. */
  base?: string | undefined;
}

/**
 * Starts a run: checks the template belongs to the project, inspects it and validates `args` against its schema
 * (each bad field named as `args.<field>`) — a TypeScript template in a child process, never in this one — pins
 * the template to the run and hands the run to the workers, which execute it from the pinned copy.
 */
export async function createWorkflowRun(deps: WorkflowServiceDeps, input: CreateWorkflowRunInput): Promise<RunDetail> {
  const field = 'workflow_definition_id';
  const [row] = await deps.db
    .select()
    .from(workflowDefinitions)
    .where(eq(workflowDefinitions.id, input.workflowDefinitionId));
  if (!row) throw new NotFoundError('workflow definition', input.workflowDefinitionId, { field });
  if (row.project_id !== input.projectId) {
    throw new InvalidInputError([{ field, message: `template ${row.identifier} belongs to another project` }]);
  }
  if (row.error !== null) {
    throw new TemplateUnusableError(`template ${row.identifier} is invalid: ${row.error}`, field, row.error);
  }
  const project = await deps.runtime.projectOfDefinition(row);
  const executor = deps.runtime.executorFor(project);
  let run;
  try {
    const inspection = await inspectTemplate(row.path, { args: input.args ?? {} });
    run = await executor.start(definitionFromInspection(inspection), inspection.args?.value, {
      name: input.name,
      ...(input.workspace ? { workspace: input.workspace } : {}),
      ...(input.base ? { base: input.base } : {}),
    });
  } catch (error) {
    if (error instanceof TemplateError) throw new TemplateUnusableError(error.message, field);
    if (error instanceof WorkspaceError && error.code === 'base_invalid') {
      throw new InvalidInputError([{ field: 'base', message: error.message }], 'base_invalid');
    }
    if (error instanceof ArgsValidationError) {
      throw new InvalidInputError(
        error.issues.map((issue) => ({ field: issue.path || 'args', message: issue.message })),
        'args_invalid',
      );
    }
    throw error;
  }
  await deps.db
    .update(workflowDefinitions)
    .set({ times_used: sql`${workflowDefinitions.times_used} + 1` })
    .where(eq(workflowDefinitions.id, row.id));
  deps.wakeWorkers();
  return getWorkflowRunById(deps, run.id);
}
