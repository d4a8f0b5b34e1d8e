/**
 * `/api/workflow-executions`: start and list runs, read one, control it (pause, resume, cancel, advance, rerun),
 * fork it from a step, merge its branch into its base, and delete it.
 */
import type { FastifyInstance } from 'fastify';
import { IdParams } from '../../protocol/common.ts';
import { AnswerInputBody, CreateRunBody, ForkBody, ListRunsQuery, PauseBody, RerunBody } from '../../protocol/runs.ts';
import { answerInput } from '../domain/workflow/services/answerInput.ts';
import { parseInput } from '../http/parseInput.ts';
import { createWorkflowRun } from '../domain/workflow/services/createWorkflowRun.ts';
import {
  advanceWorkflow,
  cancelWorkflow,
  pauseWorkflow,
  resumeWorkflow,
  rerunWorkflow,
} from '../domain/workflow/services/controlWorkflow.ts';
import type { WorkflowServiceDeps } from '../domain/workflow/services/deps.ts';
import { deleteWorkflowRun } from '../domain/workflow/services/deleteWorkflowRun.ts';
import { forkWorkflowRun } from '../domain/workflow/services/forkWorkflowRun.ts';
import { mergeWorkflowRun } from '../domain/workflow/services/mergeWorkflowRun.ts';
import { getWorkflowRunById } from '../domain/workflow/services/getWorkflowRunById.ts';
import { getWorkflowRuns } from '../domain/workflow/services/getWorkflowRuns.ts';

export interface WorkflowRoutesOptions extends WorkflowServiceDeps {
  defaultProjectId: string;
}

export async function workflowRoutes(app: FastifyInstance, opts: WorkflowRoutesOptions): Promise<void> {
  const deps: WorkflowServiceDeps = opts;
  const runId = (params: unknown) => parseInput(IdParams, params).id;

  app.post('/api/workflow-executions', async (request, reply) => {
    const body = parseInput(CreateRunBody, request.body ?? {});
    const run = await createWorkflowRun(deps, {
      projectId: body.project_id ?? opts.defaultProjectId,
      workflowDefinitionId: body.workflow_definition_id,
      name: body.name,
      args: body.args,
      workspace: body.workspace,
      base: body.base,
    });
    return reply.status(201).send(run);
  });

  app.get('/api/workflow-executions', async (request) => {
    const query = parseInput(ListRunsQuery, request.query);
    return getWorkflowRuns(deps, {
      projectId: query.project_id ?? opts.defaultProjectId,
      status: query.status,
      phase: query.phase,
      workflowDefinitionId: query.workflow_definition_id,
      text: query.q,
      createdAfter: query.created_after ? new Date(query.created_after).toISOString() : undefined,
      limit: query.limit,
      offset: query.offset,
    });
  });

  app.get('/api/workflow-executions/:id', async (request) => getWorkflowRunById(deps, runId(request.params)));

  app.delete('/api/workflow-executions/:id', async (request, reply) => {
    await deleteWorkflowRun(deps, runId(request.params));
    return reply.status(204).send();
  });

  app.post('/api/workflow-executions/:id/pause', async (request) => {
    const id = runId(request.params);
    return pauseWorkflow(deps, id, parseInput(PauseBody, request.body ?? {}));
  });
  app.post('/api/workflow-executions/:id/resume', async (request) => resumeWorkflow(deps, runId(request.params)));
  app.post('/api/workflow-executions/:id/cancel', async (request) => cancelWorkflow(deps, runId(request.params)));
  app.post('/api/workflow-executions/:id/advance', async (request) => advanceWorkflow(deps, runId(request.params)));
  app.post('/api/workflow-executions/:id/input', async (request) => {
    const id = runId(request.params);
    return answerInput(deps, id, parseInput(AnswerInputBody, request.body ?? {}));
  });
  app.post('/api/workflow-executions/:id/rerun', async (request) => {
    const id = runId(request.params);
    return rerunWorkflow(deps, id, parseInput(RerunBody, request.body ?? {}).phase);
  });
  app.post('/api/workflow-executions/:id/fork', async (request, reply) => {
    const id = runId(request.params);
    const fork = await forkWorkflowRun(deps, id, parseInput(ForkBody, request.body ?? {}).from_step_id);
    return reply.status(201).send(fork);
  });
  app.post('/api/workflow-executions/:id/merge', async (request) => mergeWorkflowRun(deps, runId(request.params)));
}
