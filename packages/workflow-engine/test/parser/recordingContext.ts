import type { InputOptions, StepInput, StepResult, StepType } from '../../src/types/step.ts';
import type { WorkflowContext } from '../../src/types/context.ts';

export type RecordedCall =
  | { kind: 'step'; id: string; spec: StepInput }
  | { kind: 'skip'; id: string; spec: { phase: string; name?: string; reason?: string; type?: StepType } }
  | { kind: 'sleep'; id: string; spec: { duration: number | string } }
  | { kind: 'input'; id: string; spec: InputOptions };

/**
 * A `WorkflowContext` that records what `execute` asks for and answers each step with the data the test gives
 * (by step id), so a YAML definition's `execute` can be tested without the executor.
 */
export function recordingContext(
  data: Record<string, unknown> = {},
  status: Record<string, 'completed' | 'failed'> = {},
) {
  const calls: RecordedCall[] = [];
  const results = new Map<string, StepResult>();
  const result = <T>(id: string, stepStatus: StepResult['status'], value: T): StepResult<T> => {
    const stepResult = { status: stepStatus, data: value, attempts: 1, startedAt: 't0', finishedAt: 't1' };
    results.set(id, stepResult);
    return stepResult;
  };
  const ctx: WorkflowContext = {
    runId: 'run-1',
    args: {},
    phase: null,
    isReplaying: false,
    workspace: { mode: 'in-place', dir: '/project', branch: null },
    async step<T>(id: string, spec: StepInput) {
      calls.push({ kind: 'step', id, spec });
      return result(id, status[id] ?? 'completed', data[id] as T);
    },
    async skip(id, spec) {
      calls.push({ kind: 'skip', id, spec });
      return result(id, 'skipped', null);
    },
    async exec() {
      throw new Error('YAML templates do not call ctx.exec');
    },
    async artifact() {
      throw new Error('YAML templates do not call ctx.artifact');
    },
    async waitForInput<T>(id: string, options: InputOptions) {
      calls.push({ kind: 'input', id, spec: options });
      return result(id, 'completed', (data[id] ?? {}) as T);
    },
    async waitForEvent() {
      throw new Error('YAML templates do not call ctx.waitForEvent');
    },
    async sleep(id, duration) {
      calls.push({ kind: 'sleep', id, spec: { duration } });
      return result(id, 'completed', { wakeAt: 't1' });
    },
    async checkpoint() {},
    async comment() {},
    getStepResult<T>(id: string) {
      return results.get(id) as StepResult<T> | undefined;
    },
    log() {},
  };
  return { ctx, calls };
}
