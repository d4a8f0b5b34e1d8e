import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.ts';
import type { Io } from './io.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Option lines for --help. */
  help: string[];
  options: Options;
  run(parsed: { values: Record<string, unknown>; positionals: string[] }, io: Io): Promise<number>;
}

export const projectOption = { project: { type: 'string', short: 'p' } } satisfies Options;
export const projectHelp = '-p, --project <dir>   the project directory (default: the current directory)';

export function parseCommandArgs(command: Command, argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(
      `${(error as Error).message.replace(/\. To specify a positional.*$/s, '')}\nusage: ${command.usage}`,
    );
  }
}

export function commandHelp(command: Command): string {
  return [
    `usage: ${command.usage}`,
    '',
    command.summary,
    '',
    'options:',
    ...command.help.map((line) => `  ${line}`),
    '  -h, --help            show this help',
    '',
  ].join('\n');
}

export function onePositional(positionals: string[], what: string, usage: string): string {
  if (positionals.length !== 1)
    throw new UsageError(
      `expected one ${what}, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}\nusage: ${usage}`,
    );
  return positionals[0]!;
}
