/**
 * `switchyard follow-up <run-id> <step> <message>`: a person's message to an agent step whose turn has ended. The
 * step's CLI session continues (the agent sees the whole conversation), its events go to the step's log, and the
 * message and the answer are kept as the step's comments; the answer is printed.
 */
import type { Command } from '../command.ts';
import { projectHelp, projectOption } from '../command.ts';
import { UsageError } from '../../errors.ts';
import { EXIT } from '../exitCodes.ts';
import { withProjectRuns } from '../openProjectRuns.ts';
import { resolveProject } from '../project.ts';

export const followUpCommand: Command = {
  name: 'follow-up',
  summary:
    "Send a message to an agent step whose turn has ended and print the agent's answer. The step's session continues; the exchange is kept as the step's comments.",
  usage: 'switchyard follow-up <run-id> <step> <message> [--json]',
  help: [
    '    <step>            the step id in the template, or the step record id',
    '    --json            print { message, reply, session_id, is_error } as the API answers it',
    projectHelp,
  ],
  options: { ...projectOption, json: { type: 'boolean' } },
  async run({ values, positionals }, io) {
    const [runId, step, ...words] = positionals;
    const message = words.join(' ').trim();
    if (!runId || !step || message === '') throw new UsageError(`usage: ${this.usage}`);
    const project = resolveProject(values.project as string | undefined);
    const answer = await withProjectRuns(project, io, (runs) => runs.followUp(runId, step, message));
    io.stdout.write(values.json ? `${JSON.stringify(answer, null, 2)}\n` : `${answer.reply.text}\n`);
    return answer.is_error ? EXIT.failed : EXIT.completed;
  },
};
