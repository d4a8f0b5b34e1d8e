/**
 * Where a project keeps its Switchyard data (`<project>/.agent/`), and how the command line opens it.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createFileRunStore } from '@switchyard/workflow-engine';
import type { RunStore } from '@switchyard/workflow-engine';
import { UsageError } from './errors.ts';

export interface Project {
  dir: string;
  definitionsDir: string;
  executionsDir: string;
}

export function resolveProject(dir: string | undefined): Project {
  const projectDir = resolve(dir ?? process.cwd());
  if (!existsSync(projectDir) || !statSync(projectDir).isDirectory()) {
    throw new UsageError(`--project ${dir}: no such directory`);
  }
  return {
    dir: projectDir,
    definitionsDir: join(projectDir, '.agent', 'workflows', 'definitions'),
    executionsDir: join(projectDir, '.agent', 'workflows', 'executions'),
  };
}

/** The run store of the command line: files beside each run until a database is configured. */
export function openRunStore(project: Project): RunStore {
  return createFileRunStore(project.executionsDir);
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
