/**
 * `switchyard request-changes <run-id> -m <comment>`: rejects the gate a run waits at with a comment. The phase
 * before the gate runs again — its agent steps continue their sessions with the comment as a follow-up, its scripts
 * run as in any re-run — and the comment is kept as a run comment. The run is executed (or followed) until it stops:
 * at the gate again, normally (exit code 3).
 */
import type { Command } from '../command.ts';
import { onePositional, projectHelp, projectOption } from '../command.ts';
import { UsageError } from '../../errors.ts';
import { withProjectRuns } from '../openProjectRuns.ts';
import { resolveProject } from '../project.ts';

export const requestChangesCommand: Command = {
  name: 'request-changes',
  summary:
    'Reject the gate a run waits at with a comment: the phase before it runs again, its agent steps continuing their sessions with the comment.\nexit codes: 0 completed, 1 failed or cancelled, 2 bad usage, 3 paused or waiting at a gate',
  usage: 'switchyard request-changes <run-id> -m <comment> [--follow] [--json]',
  help: [
    '-m, --message <text>  what to change; the agent steps of the phase before the gate are sent it',
    '-f, --follow          print progress live: phases, steps, script output, agent text',
    '    --json            print the final run as one JSON document on stdout',
    projectHelp,
  ],
  options: {
    ...projectOption,
    message: { type: 'string', short: 'm' },
    follow: { type: 'boolean', short: 'f' },
    json: { type: 'boolean' },
  },
  async run({ values, positionals }, io) {
    const project = resolveProject(values.project as string | undefined);
    const runId = onePositional(positionals, 'run id', this.usage);
    const comment = typeof values.message === 'string' ? values.message.trim() : '';
    if (comment === '') throw new UsageError(`-m <comment> is required and must not be empty\nusage: ${this.usage}`);
    const output = { follow: values.follow === true, json: values.json === true };
    return withProjectRuns(project, io, (runs) => runs.requestChanges(runId, comment, output));
  },
};
