/** Commands that look: status, list, validate. */
import { basename, relative } from 'node:path';
import { RUN_STATUSES } from '@switchyard/workflow-engine/vocabulary';
import type { RunStatus } from '@switchyard/workflow-engine/vocabulary';
import type { Command } from '../command.ts';
import { onePositional, projectHelp, projectOption } from '../command.ts';
import { UsageError } from '../../errors.ts';
import { EXIT } from '../exitCodes.ts';
import { resolveProject, resolveTemplatePath } from '../project.ts';
import { withProjectRuns } from '../openProjectRuns.ts';
import { describeRun } from '../runView.ts';

export const statusCommand: Command = {
  name: 'status',
  summary: "Show a run's status, phase and steps.",
  usage: 'switchyard status <run-id> [--json]',
  help: ['    --json            print the run as one JSON document', projectHelp],
  options: { ...projectOption, json: { type: 'boolean' } },
  async run({ values, positionals }, io) {
    const project = resolveProject(values.project as string | undefined);
    const runId = onePositional(positionals, 'run id', this.usage);
    const view = await withProjectRuns(project, io, (runs) => runs.view(runId));
    io.stdout.write(values.json ? `${JSON.stringify(view, null, 2)}\n` : describeRun(view));
    return 0;
  },
};

export const listCommand: Command = {
  name: 'list',
  summary: "List the project's runs, newest first, or its templates with --templates.",
  usage: 'switchyard list [--status <status>] [--templates] [--json]',
  help: [
    `    --status <status> only runs with this status (${RUN_STATUSES.join(', ')})`,
    '    --templates       list templates instead, invalid ones with their error',
    '    --json            print JSON',
    projectHelp,
  ],
  options: { ...projectOption, json: { type: 'boolean' }, status: { type: 'string' }, templates: { type: 'boolean' } },
  async run({ values }, io) {
    const project = resolveProject(values.project as string | undefined);
    if (values.templates) return listTemplates(project.definitionsDir, values.json === true, io.stdout);
    const status = values.status as RunStatus | undefined;
    if (status && !(RUN_STATUSES as readonly string[]).includes(status))
      throw new UsageError(`--status ${status}: expected one of ${RUN_STATUSES.join(', ')}`);
    const runs = await withProjectRuns(project, io, (projectRuns) => projectRuns.list(status));
    if (values.json) {
      io.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
    } else if (runs.length === 0) {
      io.stdout.write('no runs yet: start one with `switchyard run <template>`\n');
    } else {
      for (const r of runs)
        io.stdout.write(
          `${r.id}  ${r.status.padEnd(9)} ${(r.phase ?? '-').padEnd(12)} ${r.template}  ${r.created_at}\n`,
        );
    }
    return 0;
  },
};

async function listTemplates(dir: string, json: boolean, out: { write(text: string): void }): Promise<number> {
  const { discoverTemplates } = await import('@switchyard/workflow-engine');
  const { templates: definitions, invalid } = await discoverTemplates(dir);
  if (json) {
    const rows = [
      ...definitions.map((d) => ({
        id: d.id,
        name: d.name,
        file: basename(d.source.path),
        phases: d.phases.map((p) => p.id),
        error: null,
      })),
      ...invalid.map((i) => ({ id: null, name: null, file: basename(i.file), phases: [], error: i.error.message })),
    ];
    out.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  for (const d of definitions)
    out.write(`${d.id.padEnd(24)} ${d.name} — phases: ${d.phases.map((p) => p.id).join(' → ')}\n`);
  for (const i of invalid) out.write(`${basename(i.file).padEnd(24)} INVALID: ${i.error.message}\n`);
  if (definitions.length + invalid.length === 0) out.write(`no templates in ${dir}\n`);
  return 0;
}

export const validateCommand: Command = {
  name: 'validate',
  summary:
    "Check templates without running them. Every problem is reported with file:line:column and field path; without files, every template in the project's definitions folder is checked.",
  usage: 'switchyard validate [<template>...]',
  help: [projectHelp],
  options: { ...projectOption },
  async run({ values, positionals }, io) {
    const project = resolveProject(values.project as string | undefined);
    const { discoverTemplates, formatTemplateIssue, inspectTemplate, TemplateError } =
      await import('@switchyard/workflow-engine');
    const files =
      positionals.length > 0
        ? positionals.map((p) => resolveTemplatePath(project, p))
        : await discoverTemplates(project.definitionsDir).then(({ templates, invalid }) => [
            ...templates.map((d) => d.source.path),
            ...invalid.map((i) => i.file),
          ]);
    if (files.length === 0) throw new UsageError(`no templates to validate in ${project.definitionsDir}`);
    let failures = 0;
    for (const file of files.sort()) {
      const shown = relative(process.cwd(), file) || file;
      try {
        // In a child process: a template that spins or exits while loading is reported, not obeyed.
        const { snapshot: d } = await inspectTemplate(file);
        const steps = d.declaredSteps ? `, ${d.declaredSteps.length} steps` : '';
        io.stdout.write(`✓ ${shown}: ${d.name} — ${d.phases.length} phases${steps}\n`);
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        failures++;
        for (const issue of error.issues) io.stderr.write(`✗ ${formatTemplateIssue(issue)}\n`);
      }
    }
    return failures > 0 ? EXIT.usage : EXIT.completed;
  },
};
