/**
 * `switchyard serve`, `switchyard worker` and `switchyard migrate`: the server, workers only, and the database
 * schema on its own. The server's modules are imported when one of these runs, not for every command.
 */
import { LOG_LEVELS } from '../../server/logLevels.ts';
import type { LogLevel } from '../../server/logLevels.ts';
import { projectLayout } from '../../server/domain/project/projectLayout.ts';
import type { Command } from '../command.ts';
import type { Io } from '../io.ts';
import { projectHelp, projectOption } from '../command.ts';
import { UsageError } from '../../errors.ts';
import { resolveProject } from '../project.ts';

function integerOption(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max)
    throw new UsageError(`--${name} ${String(value)}: expected a whole number from ${min} to ${max}`);
  return number;
}

const megabytes = (value: number | undefined) => (value === undefined ? undefined : value * 1024 * 1024);

const SHUTDOWN_HELP =
  '    --shutdown-grace-ms <n> on SIGTERM, how long running steps may go on before they are stopped and left for the\n' +
  '                      next process to resume (default: $SWITCHYARD_SHUTDOWN_GRACE_MS or 3000)';

function shutdownGrace(values: Record<string, unknown>): number | undefined {
  const value = values['shutdown-grace-ms'] ?? process.env.SWITCHYARD_SHUTDOWN_GRACE_MS;
  return integerOption(value, 'shutdown-grace-ms', 0, 3_600_000);
}

export const serveCommand: Command = {
  name: 'serve',
  summary:
    'Start the server: the REST API and WebSocket on http://127.0.0.1:4400, and workers that execute runs. Runs left running by a stopped server are resumed.',
  usage: 'switchyard serve [--port N] [--host H] [--concurrency N] [--no-workers] [--allowed-host H]...',
  help: [
    '    --port <n>        the port (default: $PORT or 4400; 0 picks a free one)',
    '    --host <host>     the address to bind (default: $HOST or 127.0.0.1); another address needs SWITCHYARD_TOKEN',
    '    --concurrency <n> runs executed at once by this server (default 4)',
    SHUTDOWN_HELP,
    '    --no-workers      HTTP and WebSocket only; `switchyard worker` processes execute the runs (needs DATABASE_URL)',
    '    --allowed-host <name> also answer requests for this host name (repeatable; also $SWITCHYARD_ALLOWED_HOSTS,',
    '                      comma-separated); loopback names and the bound address are always allowed',
    '    --max-upload-mb <n> the largest artifact upload accepted (default: $SWITCHYARD_MAX_UPLOAD_MB or 100)',
    `    --log-level <level> the JSON request and error log on stdout: ${LOG_LEVELS.join(', ')} (default info)`,
    projectHelp,
    'environment: DATABASE_URL=postgres://… uses PostgreSQL instead of the embedded database in .agent/db/',
  ],
  options: {
    ...projectOption,
    port: { type: 'string' },
    host: { type: 'string' },
    concurrency: { type: 'string' },
    'shutdown-grace-ms': { type: 'string' },
    'no-workers': { type: 'boolean' },
    'max-upload-mb': { type: 'string' },
    'allowed-host': { type: 'string', multiple: true },
    'log-level': { type: 'string' },
  },
  async run({ values }, io) {
    const project = resolveProject(values.project as string | undefined);
    const logLevel = (values['log-level'] as string | undefined) ?? process.env.SWITCHYARD_LOG_LEVEL ?? 'info';
    if (!(LOG_LEVELS as readonly string[]).includes(logLevel))
      throw new UsageError(`--log-level ${logLevel}: expected one of ${LOG_LEVELS.join(', ')}`);
    const { startServer } = await import('../../server/serve.ts');
    const server = await startServer({
      logLevel: logLevel as LogLevel,
      projectDir: project.dir,
      port: integerOption(values.port ?? process.env.PORT, 'port', 0, 65_535),
      host: (values.host as string | undefined) ?? process.env.HOST,
      concurrency: integerOption(values.concurrency, 'concurrency', 1, 256),
      shutdownGraceMs: shutdownGrace(values),
      workers: values['no-workers'] !== true,
      maxUploadBytes: megabytes(
        integerOption(values['max-upload-mb'] ?? process.env.SWITCHYARD_MAX_UPLOAD_MB, 'max-upload-mb', 1, 1_000_000),
      ),
      databaseUrl: process.env.DATABASE_URL || undefined,
      token: process.env.SWITCHYARD_TOKEN || undefined,
      allowedHosts: [
        ...((values['allowed-host'] as string[] | undefined) ?? []),
        ...(process.env.SWITCHYARD_ALLOWED_HOSTS ?? '').split(',').map((name) => name.trim()),
      ].filter(Boolean),
      log: (line) => io.stdout.write(`${line}\n`),
    });
    await untilSignalled(io);
    await server.close();
    return 0;
  },
};

export const workerCommand: Command = {
  name: 'worker',
  summary:
    'Execute runs, without HTTP, from a PostgreSQL database that servers and other workers share (DATABASE_URL). Add workers on this or other machines to execute more runs at once.',
  usage: 'switchyard worker [--concurrency N] [--shutdown-grace-ms N]',
  help: [
    '    --concurrency <n> runs executed at once by this worker (default 4)',
    SHUTDOWN_HELP,
    'environment: DATABASE_URL=postgres://… (required), SWITCHYARD_LEASE_TTL_MS (default 30000)',
  ],
  options: { concurrency: { type: 'string' }, 'shutdown-grace-ms': { type: 'string' } },
  async run({ values }, io) {
    const { startWorker } = await import('../../server/worker.ts');
    const worker = await startWorker({
      databaseUrl: process.env.DATABASE_URL || undefined,
      concurrency: integerOption(values.concurrency, 'concurrency', 1, 256),
      shutdownGraceMs: shutdownGrace(values),
      log: (line) => io.stdout.write(`${line}\n`),
    });
    await untilSignalled(io);
    await worker.close();
    return 0;
  },
};

/**
 * Resolves at the first SIGINT or SIGTERM: the process then stops claiming, lets running steps reach a boundary
 * within the grace period, and stops the rest for the next process to resume.
 */
function untilSignalled(io: Io): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.stdout.write('stopping: waiting for running steps to reach a boundary…\n');
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export const migrateCommand: Command = {
  name: 'migrate',
  summary: "Apply the database migrations (the server also applies them at start). Prints the database's location.",
  usage: 'switchyard migrate',
  help: [projectHelp, 'environment: DATABASE_URL=postgres://… migrates PostgreSQL instead of the embedded database'],
  options: { ...projectOption },
  async run({ values }, io) {
    const project = resolveProject(values.project as string | undefined);
    const url = process.env.DATABASE_URL || undefined;
    if (!url) {
      // A running server migrated the embedded database when it started, and holds it now.
      const { findServer } = await import('../serverClient.ts');
      const server = await findServer(project.dir);
      if (server) {
        io.stdout.write(`migrations were applied by the server at ${server.url} when it started\n`);
        return 0;
      }
    }
    const { openDatabase } = await import('../../server/db/connection.ts');
    const database = await openDatabase(url ? { url } : { dataDir: projectLayout(project.dir).databaseDir });
    await database.close();
    io.stdout.write(`migrations applied to ${database.kind} ${database.location}\n`);
    return 0;
  },
};
