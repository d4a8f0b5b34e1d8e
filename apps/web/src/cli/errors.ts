/** A command line that cannot be carried out as typed. Exit code 2, with the message and a pointer to --help. */
export class UsageError extends Error {
  readonly code = 'usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
