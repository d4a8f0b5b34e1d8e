/**
 * `switchyard`: the command line. One catch at the edge maps typed errors to exit codes and clear messages;
 * a stack trace is shown only with SWITCHYARD_DEBUG=1.
 */
import type { Command } from './command.ts';
import { answerCommand } from './commands/answer.ts';
import { artifactCommand } from './commands/artifact.ts';
import { followUpCommand } from './commands/followUp.ts';
import { requestChangesCommand } from './commands/requestChanges.ts';
import { commandHelp, parseCommandArgs } from './command.ts';
import { cancelCommand, pauseCommand } from './commands/control.ts';
import { advanceCommand, forkCommand, rerunCommand, resumeCommand, runCommand } from './commands/execution.ts';
import { listCommand, statusCommand, validateCommand } from './commands/inspect.ts';
import { mergeCommand } from './commands/merge.ts';
import { migrateCommand, serveCommand, workerCommand } from './commands/serve.ts';
import { UsageError } from '../errors.ts';
import { EXIT, exitCodeForError } from './exitCodes.ts';
import type { Io } from './io.ts';

const COMMANDS: Command[] = [
  serveCommand,
  workerCommand,
  runCommand,
  resumeCommand,
  statusCommand,
  listCommand,
  validateCommand,
  pauseCommand,
  cancelCommand,
  advanceCommand,
  rerunCommand,
  requestChangesCommand,
  forkCommand,
  mergeCommand,
  followUpCommand,
  answerCommand,
  artifactCommand,
  migrateCommand,
];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: switchyard <command> [options]',
    '',
    'Durable workflows for AI coding agents: templates with phases, runs that survive crashes.',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${firstSentence(c.summary)}`),
    '',
    "Run `switchyard <command> --help` for a command's options.",
    '',
  ].join('\n');
}

const processIo: Io = {
  stdout: { write: (text) => void process.stdout.write(text) },
  stderr: { write: (text) => void process.stderr.write(text) },
};

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(overview());
    return name === undefined ? EXIT.usage : EXIT.completed;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write('switchyard 0.1.0\n');
    return EXIT.completed;
  }
  const command = COMMANDS.find((c) => c.name === name);
  try {
    if (!command) throw new UsageError(`unknown command "${name}"\n\n${overview()}`);
    const parsed = parseCommandArgs(command, rest);
    if (parsed.values.help) {
      io.stdout.write(commandHelp(command));
      return EXIT.completed;
    }
    return await command.run(parsed, io);
  } catch (error) {
    io.stderr.write(`switchyard${command ? ` ${command.name}` : ''}: ${(error as Error).message ?? String(error)}\n`);
    if (process.env.SWITCHYARD_DEBUG === '1' && error instanceof Error) io.stderr.write(`${error.stack}\n`);
    return exitCodeForError(error);
  }
}

function firstSentence(text: string): string {
  const end = text.search(/\.(\s|$)/);
  return end < 0 ? text : text.slice(0, end);
}
