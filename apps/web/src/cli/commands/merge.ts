/** `switchyard merge`: a finished worktree run's branch fast-forwarded into the branch it started from. */
import type { Command } from '../command.ts';
import { onePositional, projectHelp, projectOption } from '../command.ts';
import { resolveProject } from '../project.ts';
import { withProjectRuns } from '../openProjectRuns.ts';
import { EXIT } from '../exitCodes.ts';

export const mergeCommand: Command = {
  name: 'merge',
  summary:
    "Merge a finished run's branch into its base branch, fast-forward only. When the base is checked out in the main checkout, its files are updated too (refused if uncommitted changes there touch a file the merge changes); otherwise only the branch moves. A base that moved on is refused with the commands to rebase or merge by hand.\n" +
    'exit codes: 0 merged, 2 refused (not a fast-forward, run not finished, in place, dirty checkout, branch or base gone) or bad usage, 1 git failed',
  usage: 'switchyard merge <run-id> [--json]',
  help: ['    --json            print what was merged as one JSON document on stdout', projectHelp],
  options: { ...projectOption, json: { type: 'boolean' } },
  async run({ values, positionals }, io) {
    const runId = onePositional(positionals, 'run id', this.usage);
    const project = resolveProject(values.project as string | undefined);
    const merged = await withProjectRuns(project, io, (runs) => runs.merge(runId));
    if (values.json === true) {
      io.stdout.write(`${JSON.stringify(merged, null, 2)}\n`);
      return EXIT.completed;
    }
    const commits = `${merged.commits} commit${merged.commits === 1 ? '' : 's'}`;
    const where = merged.checkout_updated
      ? 'the main checkout is on it, and its files were updated'
      : `${merged.base} is not checked out, so only the branch moved`;
    io.stdout.write(
      `merged run ${runId} into ${merged.base}: fast-forward ${merged.from.slice(0, 12)}..${merged.to.slice(0, 12)} ` +
        `(${commits}); ${where}\n`,
    );
    return EXIT.completed;
  },
};
