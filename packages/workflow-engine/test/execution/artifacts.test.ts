/**
 * Artifacts a step publishes — `ctx.artifact`, a step's `artifacts` globs, files a script hands over through
 * `SWITCHYARD_ARTIFACT_INBOX` — are copied into the run's `artifacts/{stepId}/`, recorded, announced, journaled
 * with the step's result, and never published twice: not by a replay, not by a step that ran again.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createExecutor } from '../../src/execution/WorkflowExecutor.ts';
import { TemplateError } from '../../src/errors.ts';
import { parseYamlTemplate } from '../../src/parser/YamlParser.ts';
import type { ArtifactStore, RunArtifact, RunStore } from '../../src/ports.ts';
import { createMemoryRunStore } from '../../src/storage/MemoryRunStore.ts';
import type { ScriptOutput, StepArtifact } from '../../src/types/step.ts';
import { inlineDefinition, recordingSink, tempDir } from '../helpers.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** An artifact store keeping records in memory, keyed as a database's unique index keys them. */
function memoryArtifacts(): ArtifactStore & { records: RunArtifact[] } {
  const records: RunArtifact[] = [];
  return {
    records,
    async addArtifact(artifact) {
      const existing = records.find(
        (r) => r.runId === artifact.runId && r.stepId === artifact.stepId && r.key === artifact.key,
      );
      if (existing) return { artifact: existing, created: false };
      const record = {
        ...artifact,
        id: randomUUID(),
        stepRecordId: `${artifact.stepId}-record`,
        createdAt: new Date().toISOString(),
      };
      records.push(record);
      return { artifact: record, created: true };
    },
  };
}

async function setup(store: RunStore = createMemoryRunStore()) {
  const dir = await tempDir();
  const events = recordingSink();
  const artifacts = memoryArtifacts();
  const executionsDir = join(dir, 'executions');
  const executor = createExecutor({ store, events, artifacts, executionsDir, workingDir: dir, retryBaseDelayMs: 10 });
  const filesOf = async (runId: string, stepId: string) =>
    (await readdir(join(executionsDir, runId, 'artifacts', stepId)).catch(() => [] as string[])).filter(
      (name) => !name.startsWith('.'),
    );
  return { dir, store, events, artifacts, executor, executionsDir, filesOf };
}

describe('ctx.artifact', () => {
  test('copies a file or inline content into artifacts/{stepId}/, records it, announces it and journals it', async () => {
    const t = await setup();
    await writeFile(join(t.dir, 'report.html'), '<h1>report</h1>');
    const definition = await inlineDefinition(t.dir, 'publish', {
      name: 'Publish',
      phases: ['build'],
      async execute(ctx) {
        const fromFile = await ctx.artifact('report', { name: 'report.html', path: 'report.html' });
        const inline = await ctx.artifact('notes', {
          name: 'notes.md',
          content: '# notes',
          description: 'what the build saw',
        });
        return { fromFile: fromFile.data, inline: inline.data };
      },
    });
    const run = await t.executor.run(definition, {});
    expect(run.status).toBe('completed');
    const { fromFile, inline } = run.output as { fromFile: StepArtifact; inline: StepArtifact };
    expect(fromFile).toMatchObject({
      stepId: 'report',
      name: 'report.html',
      mimeType: 'text/html',
      sizeBytes: 15,
      sha256: sha256('<h1>report</h1>'),
      description: null,
    });
    expect(inline).toMatchObject({ name: 'notes.md', mimeType: 'text/markdown', description: 'what the build saw' });
    expect(fromFile.filePath).toMatch(/^artifacts\/report\/[0-9a-f-]{36}\.html$/);
    expect(await readFile(join(t.executionsDir, run.id, fromFile.filePath), 'utf8')).toBe('<h1>report</h1>');
    expect(await readFile(join(t.executionsDir, run.id, inline.filePath), 'utf8')).toBe('# notes');

    const journal = await t.store.getJournal(run.id);
    expect(journal.map((r) => [r.stepId, r.type, r.status])).toEqual([
      ['report', 'artifact', 'completed'],
      ['notes', 'artifact', 'completed'],
    ]);
    expect(journal[1]!.input).toEqual({ name: 'notes.md', content: '(7 bytes)', description: 'what the build saw' });
    expect(t.artifacts.records.map((r) => [r.stepId, r.key, r.name])).toEqual([
      ['report', 'artifact', 'report.html'],
      ['notes', 'artifact', 'notes.md'],
    ]);
    const created = t.events.events.filter((e) => e.type === 'workflow.artifact.created');
    expect(created.map((e) => e.data.step_id)).toEqual(['report', 'notes']);
  });

  test('replays from the journal: no second copy, record or event', async () => {
    const t = await setup();
    let published = 0;
    const definition = await inlineDefinition(t.dir, 'gated', {
      name: 'Gated',
      phases: ['build', { id: 'ship', gate: 'manual' }],
      async execute(ctx) {
        const artifact = await ctx.artifact('report', { name: 'r.txt', content: `copy ${++published}` });
        await ctx.step('ship', { phase: 'ship', run: () => 'shipped' });
        return artifact.data;
      },
    });
    const waiting = await t.executor.run(definition, {});
    expect(waiting.status).toBe('waiting');
    await t.executor.advance(waiting.id);
    const run = await t.executor.execute(waiting.id, definition);
    expect(run.status).toBe('completed');
    // execute ran twice, and the second time the artifact step returned its journaled result.
    expect(published).toBe(2);
    expect((run.output as StepArtifact).sha256).toBe(sha256('copy 1'));
    expect(await t.filesOf(run.id, 'report')).toHaveLength(1);
    expect(t.artifacts.records).toHaveLength(1);
    expect(t.events.events.filter((e) => e.type === 'workflow.artifact.created')).toHaveLength(1);
  });

  test('a missing file fails the step and the run, naming the step', async () => {
    const t = await setup();
    const definition = await inlineDefinition(t.dir, 'missing', {
      name: 'Missing',
      phases: ['build'],
      async execute(ctx) {
        await ctx.artifact('report', { name: 'gone.txt', path: 'gone.txt' });
      },
    });
    const run = await t.executor.run(definition, {});
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/step "report" failed: .*ENOENT/);
    expect((await t.store.getJournal(run.id))[0]).toMatchObject({ stepId: 'report', status: 'failed' });
  });

  test('a spec without exactly one of path and content is refused before anything runs', async () => {
    const t = await setup();
    const definition = await inlineDefinition(t.dir, 'both', {
      name: 'Both',
      phases: ['build'],
      async execute(ctx) {
        await ctx.artifact('report', { name: 'x', path: 'a', content: 'b' });
      },
    });
    const run = await t.executor.run(definition, {});
    expect(run.error).toBe('step "report": an artifact needs exactly one of `path` and `content`');
    expect(await t.store.getJournal(run.id)).toEqual([]);
  });
});

describe("a step's artifacts globs", () => {
  const yaml = `
name: Coverage
phases: [test]
steps:
  - id: cover
    phase: test
    command: mkdir -p coverage/deep && echo a > coverage/index.html && echo b > coverage/deep/file.html && echo c > coverage/skip.json && echo png > x.png
    artifacts: ["coverage/**/*.html", "x.png", "nothing/*.txt"]
`;

  test('publish the matching files after the step, before its commit, and list them in its result', async () => {
    const t = await setup();
    const path = join(t.dir, 'coverage.yaml');
    await writeFile(path, yaml);
    const definition = parseYamlTemplate(yaml, path);
    const run = await t.executor.run(definition, {});
    expect(run.status).toBe('completed');
    const [record] = await t.store.getJournal(run.id);
    const listed = record!.result!.artifacts!;
    expect(listed.map((a) => [a.key, a.name, a.mimeType])).toEqual([
      ['glob:coverage/deep/file.html', 'coverage/deep/file.html', 'text/html'],
      ['glob:coverage/index.html', 'coverage/index.html', 'text/html'],
      ['glob:x.png', 'x.png', 'image/png'],
    ]);
    for (const artifact of listed) {
      const copy = await readFile(join(t.executionsDir, run.id, artifact.filePath), 'utf8');
      expect(sha256(copy)).toBe(artifact.sha256);
    }
    expect(await t.filesOf(run.id, 'cover')).toHaveLength(3);
    expect(t.events.events.filter((e) => e.type === 'workflow.artifact.created')).toHaveLength(3);
  });

  test('are validated by the YAML parser with file:line:column', () => {
    const bad = yaml.replace('"nothing/*.txt"', '"../outside/*.txt"');
    let error: unknown;
    try {
      parseYamlTemplate(bad, 'coverage.yaml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as Error).message).toBe(
      `coverage.yaml:8:48 steps[0].artifacts[2]: "../outside/*.txt" may not leave the step's working directory (..)`,
    );
  });
});

describe('switchyard artifact add from inside a step (the inbox)', () => {
  test("a script's step knows its run and step, and what it leaves in its inbox becomes its artifacts", async () => {
    const t = await setup();
    const definition = await inlineDefinition(t.dir, 'inbox', {
      name: 'Inbox',
      phases: ['build'],
      async execute(ctx) {
        await ctx.step<ScriptOutput>('hand-over', {
          phase: 'build',
          command: [
            'mkdir -p "$SWITCHYARD_ARTIFACT_INBOX"',
            'printf "from %s/%s" "$SWITCHYARD_RUN_ID" "$SWITCHYARD_STEP_ID" > "$SWITCHYARD_ARTIFACT_INBOX/0001-a.data"',
            `printf '{"name":"who.txt","description":"the step"}' > "$SWITCHYARD_ARTIFACT_INBOX/0001-a.json"`,
            // Data without its description is not whole yet: it is left alone.
            'printf half > "$SWITCHYARD_ARTIFACT_INBOX/0002-b.data"',
          ].join(' && '),
        });
      },
    });
    const run = await t.executor.run(definition, {});
    expect(run.status).toBe('completed');
    const [record] = await t.store.getJournal(run.id);
    const [artifact] = record!.result!.artifacts!;
    expect(record!.result!.artifacts).toHaveLength(1);
    expect(artifact).toMatchObject({ key: 'inbox:0001-a', name: 'who.txt', description: 'the step' });
    expect(await readFile(join(t.executionsDir, run.id, artifact!.filePath), 'utf8')).toBe(`from ${run.id}/hand-over`);
    const inbox = join(t.executionsDir, run.id, 'artifacts', 'hand-over', '.inbox');
    expect(await readdir(inbox)).toEqual(['0002-b.data']);
  });

  test('a step that runs again after its commit failed publishes each file once', async () => {
    const memory = createMemoryRunStore();
    let failCommits = 1;
    const store: RunStore = {
      ...memory,
      async finishStep(...args) {
        // The commit is lost once, as in a crash after the artifacts were recorded and before the step's commit.
        if (failCommits-- > 0) throw new Error('the store went away');
        return memory.finishStep(...args);
      },
    };
    const t = await setup(store);
    await mkdir(join(t.dir, 'out'));
    await writeFile(join(t.dir, 'out', 'a.txt'), 'a');
    const definition = await inlineDefinition(t.dir, 'again', {
      name: 'Again',
      phases: ['build'],
      async execute(ctx) {
        await ctx.step('build', { phase: 'build', command: 'true', artifacts: ['out/*.txt'] });
      },
    });
    const failed = await t.executor.run(definition, {});
    expect(failed.status).toBe('failed');
    await t.executor.resume(failed.id);
    const run = await t.executor.execute(failed.id, definition);
    expect(run.status).toBe('completed');
    expect(t.artifacts.records.map((r) => r.key)).toEqual(['glob:out/a.txt']);
    expect(await t.filesOf(run.id, 'build')).toHaveLength(1);
    expect((await t.store.getJournal(run.id))[0]!.result!.artifacts!.map((a) => a.id)).toEqual([
      t.artifacts.records[0]!.id,
    ]);
  });
});
