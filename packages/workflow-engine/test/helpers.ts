import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { z } from 'zod';
import { definitionFromConfig, defineWorkflow } from '../src/parser/WorkflowDefinition.ts';
import type { WorkflowConfig } from '../src/parser/WorkflowDefinition.ts';
import type { EventSink, WorkflowEvent } from '../src/ports.ts';
import type { WorkflowDefinition } from '../src/types/workflow.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A temp directory removed after the test. */
export async function tempDir(prefix = 'switchyard-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** A definition built in the test, with a real source file so that runs can pin it. */
export async function inlineDefinition<S extends z.ZodType>(
  dir: string,
  id: string,
  config: WorkflowConfig<S>,
): Promise<WorkflowDefinition> {
  const path = join(dir, `${id}.ts`);
  await writeFile(path, `// ${id}: defined inline by a test\n`);
  return definitionFromConfig(defineWorkflow(config) as never, { type: 'code', path, contentHash: 'inline' });
}

/** An event sink that keeps what it is given. */
export function recordingSink(): EventSink & { events: WorkflowEvent[]; types(): string[] } {
  const events: WorkflowEvent[] = [];
  return {
    events,
    emit: (event) => void events.push(event),
    types: () => events.filter((e) => e.type !== 'workflow.step.progress').map((e) => e.type),
  };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `check` holds, polling; fails with `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
