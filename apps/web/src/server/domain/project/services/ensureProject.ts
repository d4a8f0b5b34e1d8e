/**
 * Projects: one row per directory, keyed by its absolute real path so that `./app`, `/home/me/app` and a symlink
 * to it are the same project.
 */
import { realpath, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { asc, eq } from 'drizzle-orm';
import type { AppDatabase } from '../../../db/connection.ts';
import { projects } from '../../../db/schema.ts';
import { InvalidInputError } from '../../../../errors.ts';

export type Project = typeof projects.$inferSelect;

interface Deps {
  db: AppDatabase;
}

/** Finds or creates the project for `dir` (name: the directory's base name). Safe to call from two processes. */
export async function ensureProject(deps: Deps, dir: string): Promise<Project> {
  const path = await realpath(dir);
  return (await insertProject(deps, path, basename(path))).project;
}

/** Every project, by name. */
export async function getProjects(deps: Deps): Promise<Project[]> {
  return deps.db.select().from(projects).orderBy(asc(projects.name), asc(projects.path));
}

/**
 * Registers a project from the API. `path` must be an existing directory (else a 400 naming `path`); a path that
 * is already a project answers that project with `created: false`, whatever `name` says.
 */
export async function createProject(
  deps: Deps,
  input: { path: string; name?: string | undefined },
): Promise<{ project: Project; created: boolean }> {
  const path = await existingDirectory(input.path);
  return insertProject(deps, path, input.name ?? basename(path));
}

async function existingDirectory(path: string): Promise<string> {
  try {
    const resolved = await realpath(path);
    if ((await stat(resolved)).isDirectory()) return resolved;
  } catch {
    // Missing or unreadable: the same answer as a file, below.
  }
  throw new InvalidInputError([{ field: 'path', message: `is not an existing directory: ${path}` }]);
}

async function insertProject(deps: Deps, path: string, name: string): Promise<{ project: Project; created: boolean }> {
  // Insert-or-nothing then read, rather than read-then-insert, so two servers starting at once cannot both insert.
  const [inserted] = await deps.db.insert(projects).values({ name, path }).onConflictDoNothing().returning();
  if (inserted) return { project: inserted, created: true };
  const [existing] = await deps.db.select().from(projects).where(eq(projects.path, path));
  if (!existing) throw new Error(`project ${path} vanished while it was being registered`);
  return { project: existing, created: false };
}
