/**
 * The API answers what the protocol module says it does: every REST answer and every WebSocket frame of a real
 * server running a real run (script, agent and skipped steps, a system comment, a person's comment, an
 * uploaded artifact) parses with the same zod schemas the command line and the board parse it with.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { z } from 'zod';
import { Artifact } from '../../src/protocol/artifacts.ts';
import { Comment, CommentList } from '../../src/protocol/comments.ts';
import { ErrorEnvelope } from '../../src/protocol/common.ts';
import { ChangeSet } from '../../src/protocol/diffs.ts';
import { ServerMessage, WORKFLOW_EVENT_TYPES } from '../../src/protocol/events.ts';
import { ProjectList } from '../../src/protocol/projects.ts';
import { Board } from '../../src/protocol/board.ts';
import { AnswerInputBody, RunDetail, RunPage, StepDetail } from '../../src/protocol/runs.ts';
import { WorkflowDefinition, WorkflowDefinitionList } from '../../src/protocol/templates.ts';
import { DATABASE_KINDS } from './databases.ts';
import { startTestServer } from './serverHarness.ts';
import type { TestServer } from './serverHarness.ts';

/** Parses strictly: a field the schema does not know is a failure too, so the protocol cannot fall behind. */
function conforms<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new Error(`${JSON.stringify(value).slice(0, 400)}\n${result.error.message}`);
  expect(unknownKeys(schema, value)).toEqual([]);
  return result.data;
}

/** Keys present in `value` that the object schemas along the way do not declare. */
function unknownKeys(schema: z.ZodType, value: unknown, path = ''): string[] {
  const def = (
    schema as unknown as {
      def: {
        type: string;
        shape?: Record<string, z.ZodType>;
        element?: z.ZodType;
        innerType?: z.ZodType;
        catchall?: z.ZodType;
      };
    }
  ).def;
  if ((def.type === 'nullable' || def.type === 'optional') && def.innerType) {
    return value === null || value === undefined ? [] : unknownKeys(def.innerType, value, path);
  }
  if (def.type === 'array' && def.element && Array.isArray(value)) {
    return value.flatMap((item, i) => unknownKeys(def.element!, item, `${path}[${i}]`));
  }
  if (def.type === 'object' && def.shape && value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, inner]) =>
      key in def.shape!
        ? unknownKeys(def.shape![key]!, inner, `${path}.${key}`)
        : def.catchall
          ? []
          : [`${path}.${key}`],
    );
  }
  return [];
}

describe.each(DATABASE_KINDS)('the protocol against a real server on $name', (kind) => {
  let t: TestServer;
  const frames: unknown[] = [];
  let socket: WebSocket;

  beforeAll(async () => {
    t = await startTestServer(kind);
    const projects = conforms(ProjectList, (await t.api('GET', '/api/projects')).body);
    socket = new WebSocket(`${t.url.replace('http', 'ws')}/ws`);
    socket.on('message', (raw) => frames.push(JSON.parse(String(raw))));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'subscribe', project_id: projects.data[0]!.id }));
  });
  afterAll(async () => {
    socket?.close();
    await t?.close();
  });

  it('answers runs, steps, comments, artifacts, templates and errors in the shapes of the protocol', async () => {
    const definitions = conforms(WorkflowDefinitionList, (await t.api('GET', '/api/workflow-definitions')).body);
    const template = definitions.data.find((d) => d.identifier === 'implement-feature')!;
    conforms(WorkflowDefinition, (await t.api('GET', `/api/workflow-definitions/${template.id}`)).body);

    const created = await t.api('POST', '/api/workflow-executions', {
      workflow_definition_id: template.id,
      args: { feature: 'Add a --verbose flag', skipTests: true },
    });
    expect(created.status).toBe(201);
    const runId = conforms(RunDetail, created.body).id;
    await t.waitForRun(runId, (run) => run.status === 'completed', 60_000);

    const run = conforms(RunDetail, (await t.api('GET', `/api/workflow-executions/${runId}`)).body);
    expect(run.steps.map((s) => s.type)).toEqual(['script', 'agent', 'function', 'agent', 'script']);
    for (const step of run.steps) conforms(StepDetail, (await t.api('GET', `/api/workflow-steps/${step.id}`)).body);
    for (const step of run.steps) conforms(ChangeSet, (await t.api('GET', `/api/workflow-steps/${step.id}/diff`)).body);
    conforms(ChangeSet, (await t.api('GET', `/api/workflow-executions/${runId}/diff`)).body);

    const comment = await t.api('POST', `/api/workflow-executions/${runId}/comments`, {
      text: 'Ship it',
      workflow_run_step_id: run.steps[1]!.id,
    });
    expect(comment.status).toBe(201);
    conforms(Comment, comment.body);
    const onLine = await t.api('POST', `/api/workflow-executions/${runId}/comments`, {
      text: 'Why this line?',
      workflow_run_step_id: run.steps[0]!.id,
      anchor: { file: 'notes.md', line: 2, side: 'new' },
    });
    expect(conforms(Comment, onLine.body).anchor).toEqual({ file: 'notes.md', line: 2, side: 'new' });

    const form = new FormData();
    form.set('workflow_run_step_id', run.steps[0]!.id);
    form.set('file', new Blob(['hello'], { type: 'text/plain' }), 'hello.txt');
    const uploaded = await fetch(`${t.url}/api/workflow-executions/${runId}/artifacts`, { method: 'POST', body: form });
    expect(uploaded.status).toBe(201);
    const artifact = conforms(Artifact, await uploaded.json());
    const commentId = (comment.body as { id: string }).id;
    const attached = await t.api('PATCH', `/api/artifacts/${artifact.id}/attach`, { workflow_comment_id: commentId });
    conforms(Artifact, attached.body);

    conforms(CommentList, (await t.api('GET', `/api/workflow-executions/${runId}/comments`)).body);
    const detail = conforms(RunDetail, (await t.api('GET', `/api/workflow-executions/${runId}`)).body);
    expect(detail.comments.find((c) => c.id === commentId)?.artifacts.map((a) => a.id)).toEqual([artifact.id]);
    conforms(RunPage, (await t.api('GET', '/api/workflow-executions?limit=5')).body);

    for (const [method, path, body] of [
      ['GET', '/api/workflow-executions/not-a-uuid'],
      ['GET', `/api/workflow-executions/${crypto.randomUUID()}`],
      ['POST', '/api/workflow-executions', { workflow_definition_id: template.id, args: { feature: 3 } }],
      ['POST', `/api/workflow-executions/${runId}/pause`, {}],
      ['GET', '/api/no-such-route'],
    ] as const) {
      const answer = await t.api(method, path, body);
      expect(answer.status, path).toBeGreaterThanOrEqual(400);
      conforms(ErrorEnvelope, answer.body);
    }

    // The WebSocket delivered the run's events, every frame in the protocol's shape.
    const deadline = Date.now() + 10_000;
    const seen = () => new Set(frames.map((f) => (f as { type: string }).type));
    while (!seen().has('workflow.artifact.created') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    for (const frame of frames) conforms(ServerMessage, frame);
    expect([...seen()].filter((type) => type.startsWith('workflow.')).sort()).toEqual([...WORKFLOW_EVENT_TYPES].sort());
  });

  it('answers input steps, their refusals, sleeping runs and the board in the shapes of the protocol', async () => {
    const created = await t.api<{ id: string }>('POST', '/api/workflow-executions', {
      workflow_definition_id: await t.definitionId('asking'),
    });
    const runId = created.body.id;
    await t.waitForRun(runId, (run) => run.status === 'waiting');
    const asking = conforms(RunDetail, (await t.api('GET', `/api/workflow-executions/${runId}`)).body);
    expect(asking.steps.map((s) => [s.type, s.status])).toEqual([['input', 'running']]);
    const projectId = (await t.api<{ data: { id: string }[] }>('GET', '/api/projects')).body.data[0]!.id;
    conforms(Board, (await t.api('GET', `/api/board?project_id=${projectId}`)).body);

    const refused = await t.api(
      'POST',
      `/api/workflow-executions/${runId}/input`,
      AnswerInputBody.parse({ values: {} }),
    );
    expect(refused.status).toBe(400);
    conforms(ErrorEnvelope, refused.body);
    const answered = await t.api(
      'POST',
      `/api/workflow-executions/${runId}/input`,
      AnswerInputBody.parse({ step_id: 'decide', values: { go: true } }),
    );
    expect(answered.status).toBe(200);
    conforms(RunDetail, answered.body);

    const sleeping = await t.waitForRun(runId, (run) => run.status === 'waiting' && run.wake_at !== null);
    conforms(RunDetail, sleeping);
    const board = conforms(Board, (await t.api('GET', `/api/board?project_id=${projectId}`)).body);
    expect(board.cards.find((card) => card.id === runId)?.wake_at).toBe(sleeping.wake_at);
    const refusedAgain = await t.api('POST', `/api/workflow-executions/${runId}/input`, { values: { go: true } });
    expect(refusedAgain.status).toBe(409);
    conforms(ErrorEnvelope, refusedAgain.body);
    for (const frame of frames) conforms(ServerMessage, frame);
    expect(
      frames.some((f) => {
        const data = (f as { data?: { execution_id?: string; wake_at?: string } }).data;
        return data?.execution_id === runId && data.wake_at === sleeping.wake_at;
      }),
    ).toBe(true);
  });
});
