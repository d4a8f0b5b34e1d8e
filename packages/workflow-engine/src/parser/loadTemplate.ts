/**
 * One entry point for templates of either kind, loaded in this process. A process that must not be taken down by a
 * template inspects it first, in a child (templateInspector.ts).
 */
import path from 'node:path';
import { TemplateError } from '../errors.ts';
import type { WorkflowDefinition } from '../types/workflow.ts';
import { loadCodeTemplate } from './CodeParser.ts';
import type { LoadCodeTemplateOptions } from './CodeParser.ts';
import { loadYamlTemplate } from './YamlParser.ts';

export const CODE_TEMPLATE_EXTENSIONS = ['.ts', '.mts'] as const;
export const YAML_TEMPLATE_EXTENSIONS = ['.yaml', '.yml'] as const;
const SUPPORTED = [...CODE_TEMPLATE_EXTENSIONS, ...YAML_TEMPLATE_EXTENSIONS] as const;

export type LoadTemplateOptions = LoadCodeTemplateOptions;

export function isTemplateFile(file: string): boolean {
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
