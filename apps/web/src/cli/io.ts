/** Where the command line writes, and how a command that executes or follows a run prints. */

export interface Writer {
  write(text: string): void;
}

export interface Io {
  stdout: Writer;
  stderr: Writer;
}

/** `--follow` prints progress live; `--json` prints the final run as one JSON document. */
export interface OutputOptions {
  follow: boolean;
  json: boolean;
}

/** With --json, stdout carries exactly one JSON document; progress goes to stderr. */
export const progressWriter = (io: Io, options: OutputOptions): Writer => (options.json ? io.stderr : io.stdout);
