/** Projects: a directory whose `.agent/` holds templates and runs. */
import { z } from 'zod';
import { listOf, text, timestamp, uuid } from './common.ts';

export const Project = z.object({
  id: uuid(),
  name: z.string(),
  /** The project's directory (its real path). */
  path: z.string(),
  created_at: timestamp(),
  updated_at: timestamp(),
});
export type Project = z.infer<typeof Project>;

export const ProjectList = listOf(Project);

/**
 * `GET /api/projects/:id/git`: what the run form needs to offer a workspace — whether the project is in a git
 * repository (so a run gets a worktree by default) and the branch its main checkout is on (a run's default base).
 */
export const ProjectGit = z.object({
  repository: z.boolean(),
  /** Null for a detached HEAD, or outside a repository. */
  branch: z.string().nullable(),
});
export type ProjectGit = z.infer<typeof ProjectGit>;

export const CreateProjectBody = z.strictObject({
  path: text()
    .min(1)
    .refine((path) => path.startsWith('/'), 'must be an absolute path'),
  name: text().trim().min(1).max(200).optional(),
});
export type CreateProjectBody = z.infer<typeof CreateProjectBody>;
