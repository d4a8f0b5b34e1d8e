/**
 * `switchyard artifact add <file>`: from inside a running step (an agent's shell, a script), hand a file to the
 * engine as an artifact of that step. The step's environment names its run, its step and its inbox; the file is
 * copied there and becomes the step's artifact when the step finishes, before its commit. Nothing is sent to a
 * server, so the step needs no token and it works on every database.
 */
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { InvalidInputError, UsageError } from '../../errors.ts';
import type { Command } from '../command.ts';

export const artifactCommand: Command = {
  name: 'artifact',
  summary:
    'Publish a file as an artifact of the step this runs in (an agent or script step). It is kept once the step finishes.',
  usage: 'switchyard artifact add <file> [--name <name>] [--type <media type>] [--description <text>]',
  help: [
    '    --name <name>         the name shown on the board (default: the file name)',
    '    --type <media type>   e.g. text/html (default: from the name)',
    '    --description <text>  what the file is',
  ],
  options: { name: { type: 'string' }, type: { type: 'string' }, description: { type: 'string' } },
  async run({ values, positionals }, io) {
    const [action, file, ...rest] = positionals;
    if (action !== 'add' || file === undefined || rest.length > 0) throw new UsageError(`usage: ${this.usage}`);
    const inbox = process.env.SWITCHYARD_ARTIFACT_INBOX;
    const runId = process.env.SWITCHYARD_RUN_ID;
    const stepId = process.env.SWITCHYARD_STEP_ID;
    if (!inbox || !runId || !stepId) {
      throw new UsageError(
        'switchyard artifact add works inside a running step: SWITCHYARD_ARTIFACT_INBOX, SWITCHYARD_RUN_ID and ' +
          'SWITCHYARD_STEP_ID are not all set',
      );
    }
    const path = resolve(file);
    const found = await stat(path).catch(() => undefined);
    if (!found?.isFile()) throw new InvalidInputError([{ field: 'file', message: `${file} is not a file` }]);
    const name = (values.name as string | undefined) ?? basename(path);
    // Loaded here, not with the command table: the engine's entry brings zod and the template loader, which every
    // other command (`--help` first) would pay for at start-up.
    const { addToArtifactInbox } = await import('@switchyard/workflow-engine');
    await addToArtifactInbox(inbox, path, {
      name,
      ...(values.type !== undefined ? { type: values.type as string } : {}),
      ...(values.description !== undefined ? { description: values.description as string } : {}),
    });
    io.stdout.write(`${name}: an artifact of step ${stepId} of run ${runId} once the step finishes\n`);
    return 0;
  },
};
