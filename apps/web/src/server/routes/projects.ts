/** `/api/projects`: list projects, register a directory as one, and what git says of one. */
import type { FastifyInstance } from 'fastify';
import type { AppDatabase } from '../db/connection.ts';
import { rowJson } from '../db/rowJson.ts';
import { createProject, getProjects } from '../domain/project/services/ensureProject.ts';
import { getProjectGit } from '../domain/project/services/getProjectGit.ts';
import { IdParams } from '../../protocol/common.ts';
import { CreateProjectBody } from '../../protocol/projects.ts';
import { parseInput } from '../http/parseInput.ts';

export interface ProjectRoutesOptions {
  db: AppDatabase;
  defaultProjectId: string;
}

/** `GET /api/projects` → 200 `{ data: Project[] }`; `POST /api/projects` → 201 the project (new) or 200 (known path). */
export async function projectRoutes(app: FastifyInstance, opts: ProjectRoutesOptions): Promise<void> {
  const deps = { db: opts.db };

  app.get('/api/projects', async () => ({ data: (await getProjects(deps)).map(rowJson) }));

  app.post('/api/projects', async (request, reply) => {
    const body = parseInput(CreateProjectBody, request.body);
    const { project, created } = await createProject(deps, body);
    return reply.status(created ? 201 : 200).send(rowJson(project));
  });

  /** `GET /api/projects/:id/git` → 200 `ProjectGit`. */
  app.get('/api/projects/:id/git', async (request) => getProjectGit(deps, parseInput(IdParams, request.params).id));
}
