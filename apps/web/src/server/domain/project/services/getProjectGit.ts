/** Whether a project is in a git repository, and the branch its main checkout is on: the run form's defaults. */
import { eq } from 'drizzle-orm';
import { runGit } from '@switchyard/workflow-engine';
import type { AppDatabase } from '../../../db/connection.ts';
import { projects } from '../../../db/schema.ts';
import { NotFoundError } from '../../../../errors.ts';
import type { ProjectGit } from '../../../../protocol/projects.ts';

export async function getProjectGit(deps: { db: AppDatabase }, projectId: string): Promise<ProjectGit> {
  const [project] = await deps.db.select({ path: projects.path }).from(projects).where(eq(projects.id, projectId));
  if (!project) throw new NotFoundError('project', projectId);
  // One git call answers both: 128 outside a repository (or without git), 1 for a detached HEAD.
  const head = await runGit(project.path, ['symbolic-ref', '--quiet', '--short', 'HEAD'], {
    okCodes: [0, 1, 128],
  }).catch(() => ({ code: 128, stdout: '' }));
  return { repository: head.code !== 128, branch: head.code === 0 ? head.stdout.trim() : null };
}
