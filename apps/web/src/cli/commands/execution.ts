/**
 * Commands that execute a run: run, resume, advance, rerun. On the database they execute it here, in the
 * foreground; through a server, its workers do and the command follows the run until it stops.
 */
import type { WorkspaceMode } from '@switchyard/workflow-engine';
import { parseArgValues } from '../argValues.ts';
import type { Command } from '../command.ts';
import { onePositional, projectHelp, projectOption } from '../command.ts';
import { UsageError } from '../../errors.ts';
import { resolveProject, resolveTemplatePath } from '../project.ts';
import { withProjectRuns } from '../openProjectRuns.ts';

const outputOptions = { follow: { type: 'boolean', short: 'f' }, json: { type: 'boolean' } } as const;
const outputHelp = [
  '-f, --follow          print progress live: phases, steps, script output, agent text',
  '    --json            print the final run as one JSON document on stdout',
  projectHelp,
];
const exitHelp =
  'exit codes: 0 completed, 1 failed or cancelled, 2 bad usage or invalid template, 3 paused or waiting at a gate';

function outputFlags(values: Record<string, unknown>) {
  return { follow: values.follow === true, json: values.json === true };
}

export const runCommand: Command = {
  name: 'run',
  summary: `Start a run of a template and execute it here (or on the server holding the project's database, which runs templates from .agent/workflows/definitions only). The template is a file, or a name in .agent/workflows/definitions.\n${exitHelp}`,
  usage:
    'switchyard run <template> [--arg key=value]... [--workspace worktree|in-place] [--base <branch>] [--follow] [--json]',
  help: [
    "-a, --arg key=value   a run argument; numbers, booleans and JSON are converted by the template's schema",
    '    --args-json <json> all arguments as one JSON object',
    "    --name <name>     the run's name on the board",
    '    --workspace <mode> worktree (a git worktree and branch of its own, the default in a git repository)',
    '                      or in-place (the project directory itself); overrides the template',
    "    --base <ref>      the branch (or commit) a worktree run starts from instead of the main checkout's HEAD;",
    '                      a branch is the one `switchyard merge` merges the run into',
    ...outputHelp,
  ],
  options: {
    ...projectOption,
    ...outputOptions,
    arg: { type: 'string', short: 'a', multiple: true },
    'args-json': { type: 'string' },
    name: { type: 'string' },
    workspace: { type: 'string' },
    base: { type: 'string' },
  },
  async run({ values, positionals }, io) {
    const project = resolveProject(values.project as string | undefined);
    const { loadCheckedTemplate, validateArgs } = await import('@switchyard/workflow-engine');
    // A TypeScript template is loaded in a child process first: one that spins or exits while loading is reported
    // as invalid, and only then imported here to execute.
    const definition = await loadCheckedTemplate(
      resolveTemplatePath(project, onePositional(positionals, 'template', this.usage)),
    );
    const args = parseArgValues(
      definition.args.jsonSchema,
      (values.arg as string[] | undefined) ?? [],
      values['args-json'] as string | undefined,
    );
    // Bad args fail here, before the database is opened.
    validateArgs(definition, args);
    const name = values.name as string | undefined;
    const workspace = workspaceFlag(values.workspace, this.usage);
    const base = values.base as string | undefined;
    if (base !== undefined && base.trim() === '')
      throw new UsageError(`--base must not be empty\nusage: ${this.usage}`);
    return withProjectRuns(project, io, (runs) =>
      runs.start(definition, args, { name, workspace, base }, outputFlags(values)),
    );
  },
};

function workspaceFlag(value: unknown, usage: string): WorkspaceMode | undefined {
  if (value === undefined) return undefined;
  if (value === 'worktree' || value === 'in-place') return value;
  throw new UsageError(`--workspace must be worktree or in-place, not ${JSON.stringify(value)}\nusage: ${usage}`);
}

export const resumeCommand: Command = {
  name: 'resume',
  summary: `Resume a paused or failed run, or one whose process died, here. Completed steps are not run again.\n${exitHelp}`,
  usage: 'switchyard resume <run-id> [--follow] [--json]',
  help: outputHelp,
  options: { ...projectOption, ...outputOptions },
  async run({ values, positionals }, io) {
    const project = resolveProject(values.project as string | undefined);
    const runId = onePositional(positionals, 'run id', this.usage);
    return withProjectRuns(project, io, (runs) => runs.resume(runId, outputFlags(values)));
  },
};

export const advanceCommand: Command = {
  name: 'advance',
  summary: `Approve the manual gate a run is waiting at, and execute the run on from there.\n${exitHelp}`,
  usage: 'switchyard advance <run-id> [--follow] [--json]',
  help: outputHelp,
  options: { ...projectOption, ...outputOptions },
  async run({ values, positionals }, io) {
    const project = resolveProject(values.project as string | undefined);
    const runId = onePositional(positionals, 'run id', this.usage);
    return withProjectRuns(project, io, (runs) => runs.advance(runId, outputFlags(values)));
  },
};

export const forkCommand: Command = {
  name: 'fork',
  summary: `Fork a run at one of its steps: a new run of the same pinned template and args, linked to this one, whose journal holds the steps before that one (they are not run again) and whose worktree branch starts at the commit that step started from; executed here. The run forked from is not changed.\n${exitHelp}`,
  usage: 'switchyard fork <run-id> --step <step-id> [--follow] [--json]',
  help: [
    "    --step <step>     the step the new run starts at: its id in the template, or its record's id",
    ...outputHelp,
  ],
  options: { ...projectOption, ...outputOptions, step: { type: 'string' } },
  async run({ values, positionals }, io) {
    const project = resolveProject(values.project as string | undefined);
    const runId = onePositional(positionals, 'run id', this.usage);
    if (typeof values.step !== 'string') throw new UsageError(`--step is required\nusage: ${this.usage}`);
    const step = values.step;
    return withProjectRuns(project, io, (runs) => runs.fork(runId, step, outputFlags(values)));
  },
};

export const rerunCommand: Command = {
  name: 'rerun',
  summary: `Run a run again from a phase on. Earlier phases keep their results; the old attempts stay as history.\n${exitHelp}`,
  usage: 'switchyard rerun <run-id> --phase <phase> [--follow] [--json]',
  help: ['    --phase <phase>   the first phase to run again', ...outputHelp],
  options: { ...projectOption, ...outputOptions, phase: { type: 'string' } },
  async run({ values, positionals }, io) {
    const project = resolveProject(values.project as string | undefined);
    const runId = onePositional(positionals, 'run id', this.usage);
    if (typeof values.phase !== 'string') throw new UsageError(`--phase is required\nusage: ${this.usage}`);
    const phase = values.phase;
    return withProjectRuns(project, io, (runs) => runs.rerun(runId, phase, outputFlags(values)));
  },
};
