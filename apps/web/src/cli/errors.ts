/** A command line that cannot be carried out as typed. Exit code 2, with the message and a pointer to --help. */
export class UsageError extends Error {
  readonly code = 'usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * A request to the server holding the project's database that did not succeed: `server_rejected` for what was
 * asked (a 4xx answer), `server_failed` for the server's own trouble, `server_unreachable` when it did not answer.
 */
export class ServerRequestError extends Error {
  constructor(
    readonly code: 'server_rejected' | 'server_failed' | 'server_unreachable',
    message: string,
    readonly status: number | null = null,
    /** The API's own error code (`not_found`, `invalid_transition`, …). */
    readonly apiCode: string | null = null,
  ) {
    super(message);
    this.name = 'ServerRequestError';
  }
}
