/**
 * Rows a server test stands on: a project in a temporary directory, a template, a run and its steps, written
 * straight into the database so a route test needs nothing else running.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppDatabase } from '../../src/server/db/connection.ts';
import { projects, workflowDefinitions, workflowRuns, workflowRunSteps } from '../../src/server/db/schema.ts';

export interface SeededRun {
  projectId: string;
  projectDir: string;
  definitionId: string;
  runId: string;
  /** Step row ids by step id. */
  stepIds: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function seedRun(
  db: AppDatabase,
  options: { steps?: string[]; status?: 'pending' | 'running' | 'completed' } = {},
): Promise<SeededRun> {
  const projectDir = await mkdtemp(join(tmpdir(), 'switchyard-project-'));
  const [project] = await db.insert(projects).values({ name: 'test project', path: projectDir }).returning();
  const [definition] = await db
    .insert(workflowDefinitions)
    .values({
      project_id: project!.id,
      identifier: 'demo',
      name: 'Demo',
      type: 'yaml',
      path: join(projectDir, '.agent/workflows/definitions/demo.yaml'),
      phases: [{ id: 'build', label: 'Build' }],
      content_hash: 'test',
    })
    .returning();
  const [run] = await db
    .insert(workflowRuns)
    .values({
      project_id: project!.id,
      workflow_definition_id: definition!.id,
      name: 'Demo run',
      status: options.status ?? 'completed',
      current_phase: 'build',
    })
    .returning();
  const stepIds: Record<string, string> = {};
  for (const [index, stepId] of (options.steps ?? ['build']).entries()) {
    const [step] = await db
      .insert(workflowRunSteps)
      .values({
        workflow_run_id: run!.id,
        step_id: stepId,
        step_index: index,
        name: stepId,
        phase: 'build',
        type: 'script',
        status: 'completed',
      })
      .returning();
    stepIds[stepId] = step!.id;
  }
  return {
    projectId: project!.id,
    projectDir,
    definitionId: definition!.id,
    runId: run!.id,
    stepIds,
    cleanup: () => rm(projectDir, { recursive: true, force: true }),
  };
}
