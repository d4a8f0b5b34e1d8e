/** `switchyard answer <run> --arg key=value`: a person's answer to the input step a run waits at. */
import type { Command } from '../command.ts';
import { onePositional, projectHelp, projectOption } from '../command.ts';
import { resolveProject } from '../project.ts';
import { withProjectRuns } from '../openProjectRuns.ts';

export const answerCommand: Command = {
  name: 'answer',
  summary:
    "Answer the input step a run waits at (ctx.waitForInput, YAML type: input) and execute the run on from there. Each --arg is one field; its value is converted by the field's type.",
  usage: 'switchyard answer <run-id> --arg key=value [--arg key=value…] [--step <id>] [--follow] [--json]',
  help: [
    '    --arg key=value       a field of the answer (repeatable)',
    '    --step <id>           the input step, when the run could wait at more than one',
    "-f, --follow            print the run's progress as it goes on",
    '    --json                print the run as JSON when it stops',
    projectHelp,
  ],
  options: {
    ...projectOption,
    arg: { type: 'string', multiple: true },
    step: { type: 'string' },
    follow: { type: 'boolean', short: 'f' },
    json: { type: 'boolean' },
  },
  async run({ values, positionals }, io) {
    const project = resolveProject(values.project as string | undefined);
    const runId = onePositional(positionals, 'run id', this.usage);
    const pairs = (values.arg as string[] | undefined) ?? [];
    const output = { follow: values.follow === true, json: values.json === true };
    return withProjectRuns(project, io, (runs) => runs.answer(runId, pairs, values.step as string | undefined, output));
  },
};
