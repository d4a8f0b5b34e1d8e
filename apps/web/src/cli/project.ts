/** Where a project keeps its Switchyard data (`<project>/.agent/`), and how the command line finds templates. */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { projectLayout } from '../server/domain/project/projectLayout.ts';
import type { ProjectLayout } from '../server/domain/project/projectLayout.ts';
import { UsageError } from '../errors.ts';

export type Project = ProjectLayout;

export function resolveProject(dir: string | undefined): Project {
  const projectDir = resolve(dir ?? process.cwd());
  if (!existsSync(projectDir) || !statSync(projectDir).isDirectory()) {
    throw new UsageError(`--project ${dir}: no such directory`);
  }
  return projectLayout(projectDir);
}

const TEMPLATE_EXTENSIONS = ['.ts', '.mts', '.yaml', '.yml'];

/** A template named by path, or by name in the project's definitions folder. */
export function resolveTemplatePath(project: Project, nameOrPath: string): string {
  const asPath = resolve(nameOrPath);
  if (existsSync(asPath) && statSync(asPath).isFile()) return asPath;
  for (const extension of ['', ...TEMPLATE_EXTENSIONS]) {
    const candidate = join(project.definitionsDir, `${nameOrPath}${extension}`);
    if (/^[\w.-]+$/.test(nameOrPath) && existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  throw new UsageError(
    `no template "${nameOrPath}": not a file, and not a template in ${project.definitionsDir}` +
      ' (run `switchyard list --templates` to see them)',
  );
}
