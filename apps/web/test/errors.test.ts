/**
 * Every typed error the engine, the agent SDK and the web app export, walked as a table: each has a code and a
 * kind, the HTTP edge answers it with its kind's status (never a 500) in the documented envelope, and the command
 * line exits with its kind's code. A new error class without a row here fails the first test.
 */
import * as sdk from '@switchyard/agent-cli-sdk';
import * as engine from '@switchyard/workflow-engine';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import * as web from '../src/errors.ts';
import { StorageError } from '../src/errors.ts';
import { exitCodeForError, EXIT_CODE_BY_KIND } from '../src/cli/exitCodes.ts';
import { HTTP_STATUS_BY_KIND, registerErrorHandler } from '../src/server/http/errorHandler.ts';

type ErrorClass = abstract new (...args: never[]) => Error;

const BASES: ErrorClass[] = [engine.WorkflowError, sdk.AgentSdkError, web.AppError];

/** One instance of every exported error class, by class name. */
const SAMPLES: Record<string, () => Error> = {
  TemplateError: () =>
    new engine.TemplateError([{ file: 'fix-bug.yaml', line: 3, column: 1, path: 'name', message: 'is required' }]),
  ArgsValidationError: () => new engine.ArgsValidationError('fix-bug', [{ path: 'issue', message: 'is required' }]),
  StepSpecError: () => new engine.StepSpecError('build', 'unknown step type'),
  DeterminismError: () => new engine.DeterminismError('replay asked for another step', 'build', 'test'),
  DuplicateStepIdError: () => new engine.DuplicateStepIdError('build'),
  StepFailedError: () => new engine.StepFailedError('build', 'exit code 1'),
  LeaseLostError: () => new engine.LeaseLostError('run-1'),
  JournalRecordNotFoundError: () => new engine.JournalRecordNotFoundError('run-1', 'build'),
  StepAlreadyFinalError: () => new engine.StepAlreadyFinalError('run-1', 'build', 'completed'),
  RunNotFoundError: () => new engine.RunNotFoundError('run-1'),
  InvalidTransitionError: () => new engine.InvalidTransitionError('run-1', 'pause', 'completed'),
  SnapshotImmutableError: () => new engine.SnapshotImmutableError('definition.json'),
  SnapshotMissingError: () => new engine.SnapshotMissingError('run-1', '/tmp/run-1'),
  AgentUnavailableError: () => new engine.AgentUnavailableError('no agent runner'),
  WorkspaceError: () => new engine.WorkspaceError('not_a_git_repository', '/tmp/p is not in a git repository'),
  FollowUpRefusedError: () => new engine.FollowUpRefusedError('run-1', 'build', 'it is a script step'),
  ChangesRefusedError: () => new engine.ChangesRefusedError('run-1', 'it waits at no gate (it is completed)'),
  AgentCliNotFoundError: () => new sdk.AgentCliNotFoundError('claude', 'PATH', 'npm i -g @anthropic-ai/claude-code'),
  AgentSpawnError: () => new sdk.AgentSpawnError('claude', 'cwd does not exist'),
  AgentHookError: () => new sdk.AgentHookError('onEvent', new Error('boom')),
  AgentCassetteMissingError: () =>
    new sdk.AgentCassetteMissingError('fix-bug', 'fix', '.agent/cassettes/fix-bug/fix-0123456789abcdef.jsonl'),
  AgentCassetteInvalidError: () =>
    new sdk.AgentCassetteInvalidError('.agent/cassettes/fix-bug/fix-0123456789abcdef.jsonl', 3, 'not JSON'),
  AgentModeError: () => new sdk.AgentModeError('rewind'),
  NotFoundError: () => new web.NotFoundError('workflow run', 'run-1'),
  InvalidInputError: () => new web.InvalidInputError([{ field: 'args.issue', message: 'is required' }]),
  ConflictError: () => new web.ConflictError('not_a_server', 'the database is held by a command line'),
  MergeRefusedError: () => new web.MergeRefusedError('run-1', 'not_fast_forward', 'main has moved on', 'main'),
  TemplateUnusableError: () => new web.TemplateUnusableError('template fix-bug is invalid', 'workflow_definition_id'),
  TooLargeError: () => new web.TooLargeError('artifact_too_large', 'the file is larger than the limit'),
  UnsupportedMediaTypeError: () => new web.UnsupportedMediaTypeError('multipart please', 'file', 'expected multipart'),
  GoneError: () => new web.GoneError('artifact_file_missing', 'the file is gone'),
  ForbiddenError: () => new web.ForbiddenError('host_forbidden', 'this server does not answer to evil.example', 'host'),
  UnauthorizedError: () => new web.UnauthorizedError('a token is required'),
  StorageError: () => StorageError.from(Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC' }))!,
  UsageError: () => new web.UsageError('expected one run id'),
  ServerRequestError: () => new web.ServerRequestError('server_unreachable', 'the server did not answer'),
  ServeRefusedError: () => new web.ServeRefusedError('refusing to listen on 0.0.0.0 without a token'),
  DataDirLockedError: () =>
    new web.DataDirLockedError('/tmp/db', { pid: 1, host: 'here', command: 'switchyard serve', since: 'now' }),
  EventBridgeError: () => new web.EventBridgeError('event_not_shared', 'no project'),
};

function exportedErrorClasses(): [string, ErrorClass][] {
  const modules: Record<string, unknown>[] = [engine, sdk, web];
  return modules
    .flatMap((module) => Object.entries(module))
    .filter(
      (entry): entry is [string, ErrorClass] =>
        typeof entry[1] === 'function' &&
        !BASES.includes(entry[1] as ErrorClass) &&
        BASES.some((base) => (entry[1] as { prototype: unknown }).prototype instanceof base),
    );
}

const samples = Object.entries(SAMPLES).map(([name, make]) => [name, make()] as const);

describe('typed errors at the edges', () => {
  it('has a sample of every exported error class, and each sample is of the class it is listed under', () => {
    const exported = exportedErrorClasses();
    expect(exported.map(([name]) => name).sort()).toEqual(Object.keys(SAMPLES).sort());
    for (const [name, errorClass] of exported) expect(SAMPLES[name]!()).toBeInstanceOf(errorClass);
  });

  it.each(samples)('%s has a string code and one of the shared kinds', (_name, error) => {
    const { code, kind } = error as unknown as { code: unknown; kind: unknown };
    expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
    expect(engine.ERROR_KINDS).toContain(kind);
  });

  it('maps every kind to a 4xx or a 5xx other than 500, and to exit code 1 or 2', () => {
    for (const kind of engine.ERROR_KINDS) {
      expect(HTTP_STATUS_BY_KIND[kind]).toBeGreaterThanOrEqual(400);
      expect(HTTP_STATUS_BY_KIND[kind]).not.toBe(500);
      expect([1, 2]).toContain(EXIT_CODE_BY_KIND[kind]);
    }
  });

  it.each(samples)('%s is answered over HTTP with its kind’s status in the error envelope', async (_name, error) => {
    const app = Fastify();
    registerErrorHandler(app);
    app.get('/throws', async () => {
      throw error;
    });
    const response = await app.inject({ method: 'GET', url: '/throws' });
    await app.close();
    const { code, kind, message } = error as unknown as { code: string; kind: engine.ErrorKind; message: string };
    expect(response.statusCode).toBe(HTTP_STATUS_BY_KIND[kind]);
    expect(response.json()).toEqual({ error: { code, message, details: expect.any(Object) } });
  });

  it.each(samples)('%s ends a command with its kind’s exit code', (_name, error) => {
    const { kind } = error as unknown as { kind: engine.ErrorKind };
    expect(exitCodeForError(error)).toBe(EXIT_CODE_BY_KIND[kind]);
  });

  it('answers an untyped error with a 500 that hides its message, and exits 1 for it', async () => {
    const app = Fastify({ logger: false });
    registerErrorHandler(app);
    app.get('/throws', async () => {
      throw new Error('secret internals');
    });
    const response = await app.inject({ method: 'GET', url: '/throws' });
    await app.close();
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: { code: 'internal', message: 'internal server error', details: {} } });
    expect(exitCodeForError(new Error('secret internals'))).toBe(1);
  });
});
