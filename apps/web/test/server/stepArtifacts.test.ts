/**
 * Artifacts published by steps, through real `switchyard serve` processes on PGlite and PostgreSQL: a YAML step's
 * `artifacts:` globs, `switchyard artifact add` called by the step, and `ctx.artifact` in a TypeScript template
 * become `workflow_artifacts` rows of their steps, with the files under `artifacts/{stepId}/`. A file handed over by
 * a step that was killed (kill -9 of the server) before its commit is kept, and recorded once, when the step runs
 * again.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Artifact } from '../../src/protocol/artifacts.ts';
import { BIN, killProcesses, startServerProcess } from '../switchyardProcesses.ts';
import { cli } from '../cliHarness.ts';
import { PROCESS_DATABASE_KINDS } from './databases.ts';
import { makeProject, serverClient } from './serverHarness.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const switchyard = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)}`;

const PUBLISHING = `
name: Publishing
phases: [build]
steps:
  - id: build
    phase: build
    command: >-
      mkdir -p coverage/deep && echo '<p>index</p>' > coverage/index.html && echo '<p>deep</p>' > coverage/deep/a.html &&
      echo '{"total":3}' > summary.json &&
      ${switchyard} artifact add summary.json --name totals.json --description "the totals"
    artifacts: ["coverage/**/*.html"]
`;

const NOTES = `
import { defineWorkflow } from '@switchyard/workflow-engine';
export default defineWorkflow({
  name: 'Notes',
  phases: ['write'],
  async execute(ctx) {
    const notes = await ctx.artifact('notes', { name: 'notes.md', content: '# notes', description: 'by ctx.artifact' });
    return notes.data;
  },
});
`;

/** Hands a file over, then is killed with its server; run again, it finishes at once. */
const INTERRUPTED = `
name: Interrupted
phases: [build]
steps:
  - id: hand-over
    phase: build
    command: >-
      if [ -f attempted ]; then exit 0; fi; touch attempted; echo 'first attempt' > note.txt &&
      ${switchyard} artifact add note.txt && sleep 1000
`;

const LEASE = { SWITCHYARD_LEASE_TTL_MS: '2000' };

interface History {
  steps: { id: string; step_id: string; attempt: number; output: { artifacts?: { id: string }[] } | null }[];
  artifacts: unknown[];
}

describe.each(PROCESS_DATABASE_KINDS)('artifacts published by steps on $name', (kind) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  });

  it('become rows of their steps with their files, and survive kill -9 of the server before the commit', async () => {
    const projectDir = await makeProject();
    cleanups.push(() => rm(projectDir, { recursive: true, force: true }));
    const definitions = join(projectDir, '.agent', 'workflows', 'definitions');
    await writeFile(join(definitions, 'publishing.yaml'), PUBLISHING);
    await writeFile(join(definitions, 'notes.ts'), NOTES);
    await writeFile(join(definitions, 'interrupted.yaml'), INTERRUPTED);
    const database = await kind.database();
    cleanups.push(database.drop);
    cleanups.push(killProcesses);

    const first = await startServerProcess(projectDir, { ...LEASE, ...database.env });
    let api = serverClient(first.url, projectDir);
    const start = async (template: string) => {
      const created = await api.api<{ id: string }>('POST', '/api/workflow-executions', {
        workflow_definition_id: await api.definitionId(template),
      });
      expect(created.status).toBe(201);
      return created.body.id;
    };
    const history = async (runId: string) =>
      (await api.api<History>('GET', `/api/workflow-executions/${runId}/history`)).body;
    const fileOf = (runId: string, artifact: Artifact) =>
      readFile(join(projectDir, '.agent', 'workflows', 'executions', runId, artifact.file_path), 'utf8');

    const published = await start('publishing');
    const notes = await start('notes');
    for (const runId of [published, notes]) {
      const run = await api.waitForRun(runId, (r) => r.status !== 'pending' && r.status !== 'running', 30_000);
      expect(run).toMatchObject({ status: 'completed', error: null });
    }

    const built = await history(published);
    const artifacts = built.artifacts.map((a) => Artifact.strict().parse(a));
    expect(artifacts.map((a) => [a.name, a.mime_type, a.description, a.dedupe_key?.split(':')[0]])).toEqual([
      ['coverage/deep/a.html', 'text/html', null, 'glob'],
      ['coverage/index.html', 'text/html', null, 'glob'],
      ['totals.json', 'application/json', 'the totals', 'inbox'],
    ]);
    const step = built.steps.find((s) => s.step_id === 'build')!;
    expect(artifacts.every((a) => a.workflow_run_step_id === step.id)).toBe(true);
    expect(step.output!.artifacts!.map((a) => a.id)).toEqual(artifacts.map((a) => a.id));
    for (const artifact of artifacts) {
      expect(artifact.file_path).toMatch(/^artifacts\/build\/[0-9a-f-]{36}\.(html|json)$/);
      expect(sha256(await fileOf(published, artifact))).toBe(artifact.sha256);
    }
    const download = await fetch(`${first.url}/api/artifacts/${artifacts[2]!.id}`);
    expect(await download.text()).toBe('{"total":3}\n');

    const [note] = (await history(notes)).artifacts.map((a) => Artifact.strict().parse(a));
    expect(note).toMatchObject({ name: 'notes.md', description: 'by ctx.artifact', dedupe_key: 'artifact' });
    expect(await fileOf(notes, note!)).toBe('# notes');

    // Killed while the step sleeps, after `switchyard artifact add` handed its file over and before the commit.
    const interrupted = await start('interrupted');
    const inbox = join(
      projectDir,
      '.agent',
      'workflows',
      'executions',
      interrupted,
      'artifacts',
      'hand-over',
      '.inbox',
    );
    while (!(await readdir(inbox).catch(() => [] as string[])).some((name) => name.endsWith('.json'))) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startServerProcess(projectDir, { ...LEASE, ...database.env });
    api = serverClient(second.url, projectDir);
    const run = await api.waitForRun(interrupted, (r) => r.status === 'completed' || r.status === 'failed', 30_000);
    expect(run.status).toBe('completed');
    const after = await history(interrupted);
    expect(after.steps.map((s) => [s.step_id, s.attempt])).toEqual([['hand-over', 2]]);
    const kept = after.artifacts.map((a) => Artifact.strict().parse(a));
    expect(kept.map((a) => a.name)).toEqual(['note.txt']);
    expect(await fileOf(interrupted, kept[0]!)).toBe('first attempt\n');
    expect(await readdir(inbox)).toEqual([]);
  }, 120_000);
});

describe('switchyard artifact add', () => {
  const projectDirForCli = process.cwd();
  it('outside a step says it works inside one, and exits 2', async () => {
    const result = await cli(['artifact', 'add', 'x.txt'], {
      cwd: projectDirForCli,
      env: { SWITCHYARD_ARTIFACT_INBOX: '', SWITCHYARD_RUN_ID: '', SWITCHYARD_STEP_ID: '' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('switchyard artifact add works inside a running step');
  });
});
