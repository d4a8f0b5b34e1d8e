/**
 * `switchyard follow-up <run-id> <step> <message>`: a person's message to an agent step. The step's CLI session
 * continues (the agent sees the whole conversation), its events go to the step's log, and the message and the answer
 * are kept as the step's comments; the answer is printed. While the step's turn is still running the message is
 * queued instead — the step sends it when the turn ends — and the command says so.
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
    "Send a message to an agent step and print the agent's answer. The step's session continues; the exchange is kept as the step's comments. While the step's turn runs, the message is queued and sent when the turn ends.",
  usage: 'switchyard follow-up <run-id> <step> <message> [--json]',
  help: [
    '    <step>            the step id in the template, or the step record id',
    '    --json            print the API answer: { state: "answered", message, reply, session_id, is_error }',
    '                      or { state: "queued", follow_up }',
    projectHelp,
  ],
  options: { ...projectOption, json: { type: 'boolean' } },
  async run({ values, positionals }, io) {
    const [runId, step, ...words] = positionals;
    const message = words.join(' ').trim();
    if (!runId || !step || message === '') throw new UsageError(`usage: ${this.usage}`);
    const project = resolveProject(values.project as string | undefined);
    const answer = await withProjectRuns(project, io, (runs) => runs.followUp(runId, step, message));
    if (values.json) {
      io.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    } else if (answer.state === 'queued') {
      io.stdout.write(
        `queued: step ${answer.follow_up.step_id} is running; the message is sent when its current turn ends (follow-up ${answer.follow_up.id})\n`,
      );
    } else {
      io.stdout.write(`${answer.reply.text}\n`);
    }
    return answer.state === 'answered' && answer.is_error ? EXIT.failed : EXIT.completed;
  },
};
