/**
 * One entry point for templates of either kind, and the listing of a definitions folder.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { SnapshotMissingError, TemplateError } from '../errors.ts';
import type { ExecutionFiles } from '../storage/FileSystemStorage.ts';
import type { WorkflowDefinition } from '../types/workflow.ts';
import { loadCodeTemplate } from './CodeParser.ts';
import type { LoadCodeTemplateOptions } from './CodeParser.ts';
import { loadYamlTemplate } from './YamlParser.ts';

export const CODE_TEMPLATE_EXTENSIONS = ['.ts', '.mts'] as const;
export const YAML_TEMPLATE_EXTENSIONS = ['.yaml', '.yml'] as const;
const SUPPORTED = [...CODE_TEMPLATE_EXTENSIONS, ...YAML_TEMPLATE_EXTENSIONS] as const;

export type LoadTemplateOptions = LoadCodeTemplateOptions;

function isTemplateFile(file: string): boolean {
  return (SUPPORTED as readonly string[]).includes(path.extname(file).toLowerCase()) && !file.endsWith('.d.ts');
}

/** Loads a template by its extension: `.ts`/`.mts` (TypeScript) or `.yaml`/`.yml`. Failures are `TemplateError`s. */
export async function loadTemplate(file: string, options: LoadTemplateOptions = {}): Promise<WorkflowDefinition> {
  const extension = path.extname(file).toLowerCase();
  if ((CODE_TEMPLATE_EXTENSIONS as readonly string[]).includes(extension)) return loadCodeTemplate(file, options);
  if ((YAML_TEMPLATE_EXTENSIONS as readonly string[]).includes(extension)) return loadYamlTemplate(file);
  throw new TemplateError([
    {
      file,
      path: '',
      message: `is not a template: expected one of ${SUPPORTED.join(', ')}${extension ? `, found ${extension}` : ''}`,
    },
  ]);
}

/**
 * The template a run is pinned to: the copy of its source taken at start (`executions/{id}/source/`), not the
 * file as it is now. A run without a snapshot is a `SnapshotMissingError`.
 */
export async function loadPinnedTemplate(files: ExecutionFiles): Promise<WorkflowDefinition> {
  const snapshot = await files.readDefinition().catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new SnapshotMissingError(files.runId, files.dir);
    throw error;
  });
  return loadTemplate(files.pinnedSourcePath(snapshot));
}

export interface DiscoveredTemplates {
  definitions: WorkflowDefinition[];
  /** Templates that failed to load, each with its error, so one bad file does not hide the others. */
  invalid: { file: string; error: TemplateError }[];
}

/**
 * Loads every template directly inside `dir` (sorted by file name). A missing folder lists nothing.
 */
export async function discoverTemplates(dir: string, options: LoadTemplateOptions = {}): Promise<DiscoveredTemplates> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { definitions: [], invalid: [] };
    throw error;
  }
  const result: DiscoveredTemplates = { definitions: [], invalid: [] };
  // One at a time: TS templates load through one jiti instance, and listing order should not depend on timing.
  for (const name of names.filter(isTemplateFile).sort()) {
    const file = path.join(dir, name);
    if (!(await stat(file)).isFile()) continue;
    try {
      result.definitions.push(await loadTemplate(file, options));
    } catch (error) {
      const templateError =
        error instanceof TemplateError
          ? error
          : new TemplateError([{ file, path: '', message: `could not be loaded: ${String(error)}` }], { cause: error });
      result.invalid.push({ file, error: templateError });
    }
  }
  return result;
}
