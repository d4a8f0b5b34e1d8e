/** Commands that ask a run to stop: pause and cancel. They work on a run executing in another process too. */
import type { Command } from '../command.ts';
import { onePositional, projectHelp, projectOption } from '../command.ts';
import { resolveProject } from '../project.ts';
import { withProjectRuns } from '../openProjectRuns.ts';

function requested(status: string, verb: string, runId: string): string {
  return status === verb
    ? `run ${runId} is ${status}\n`
    : `asked run ${runId} to ${verb === 'paused' ? 'pause' : 'cancel'}; the worker running it will stop it\n`;
}

export const pauseCommand: Command = {
  name: 'pause',
  summary:
    'Pause a run at its next step boundary, or at once with --now. With --now the running step is stopped and runs again on resume; an agent step continues its session.',
  usage: 'switchyard pause <run-id> [--now]',
  help: ['    --now             stop the running step now instead of at the next boundary', projectHelp],
  options: { ...projectOption, now: { type: 'boolean' } },
  async run({ values, positionals }, io) {
    const runId = onePositional(positionals, 'run id', this.usage);
    const project = resolveProject(values.project as string | undefined);
    const status = await withProjectRuns(project, io, (runs) => runs.pause(runId, values.now === true));
    io.stdout.write(requested(status, 'paused', runId));
    return 0;
  },
};

export const cancelCommand: Command = {
  name: 'cancel',
  summary: "Cancel a run. Its running step's whole process tree is killed and the run ends as cancelled.",
  usage: 'switchyard cancel <run-id>',
  help: [projectHelp],
  options: { ...projectOption },
  async run({ values, positionals }, io) {
    const runId = onePositional(positionals, 'run id', this.usage);
    const project = resolveProject(values.project as string | undefined);
    const status = await withProjectRuns(project, io, (runs) => runs.cancel(runId));
    io.stdout.write(requested(status, 'cancelled', runId));
    return 0;
  },
};
