/**
 * Golden journals: a journal recorded from a real run of an example, replayed against the template. A replay
 * runs no step again; a template edited since the journal was written fails with a determinism error naming
 * the steps.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createExecutor } from '../../src/execution/WorkflowExecutor.ts';
import { parseYamlTemplate } from '../../src/parser/YamlParser.ts';
import { createMemoryRunStore } from '../../src/storage/MemoryRunStore.ts';
import type { RunState } from '../../src/storage/runState.ts';
import { recordingSink, tempDir } from '../helpers.ts';

const TEMPLATE = fileURLToPath(
  new URL('../../../../.agent/workflows/definitions/simple-pipeline.yaml', import.meta.url),
);
const JOURNAL = fileURLToPath(new URL('../fixtures/journals/simple-pipeline.completed.json', import.meta.url));

/** The recorded run, as a worker would find it if the process died just before marking it completed. */
async function recordedRun(): Promise<RunState> {
  const state = JSON.parse(await readFile(JOURNAL, 'utf8')) as RunState;
  state.run.status = 'running';
  state.run.output = null;
  return state;
}

async function replay(templateText: string) {
  const state = await recordedRun();
  const store = createMemoryRunStore();
  store.importRun(state);
  const events = recordingSink();
  const executor = createExecutor({ store, events, workingDir: await tempDir() });
  const run = await executor.execute(state.run.id, parseYamlTemplate(templateText, TEMPLATE));
  return { run, events, recorded: JSON.parse(await readFile(JOURNAL, 'utf8')) as RunState };
}

describe('golden journal: simple-pipeline', () => {
  it('replays to the recorded output without running a single step', async () => {
    const { run, events, recorded } = await replay(await readFile(TEMPLATE, 'utf8'));
    expect(run.status).toBe('completed');
    expect(run.output).toEqual(recorded.run.output);
    expect(events.events.filter((e) => e.type.startsWith('workflow.step.'))).toEqual([]);
  });

  it('fails with a determinism error naming both steps when a step was renamed since', async () => {
    const edited = (await readFile(TEMPLATE, 'utf8')).replaceAll('unit-tests', 'tests');
    const { run, events } = await replay(edited);
    expect(run.status).toBe('failed');
    expect(run.error).toContain('replay asked for step "tests" at position 1');
    expect(run.error).toContain('the journal recorded step "unit-tests" there');
    expect(events.events.filter((e) => e.type === 'workflow.step.started')).toEqual([]);
  });
});
