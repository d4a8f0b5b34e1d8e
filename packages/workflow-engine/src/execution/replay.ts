/**
 * Replay: on resume `execute` walks the run from the top again, and each `ctx.step` or `ctx.skip` is held against
 * its step's journal record. Records are keyed by step id; the call position is there to notice a template that
 * asks for other steps, or the same ones in another order, than when the journal was written.
 */
import { DeterminismError, DuplicateStepIdError } from '../errors.ts';
import type { JournalRecord } from '../ports.ts';
import type { StepResult, StepSpec, StepType } from '../types/step.ts';

/** A call of `ctx.step` or `ctx.skip`, as replay sees it. */
export interface StepCall {
  id: string;
  /** Undefined for a skip that names no type: there is no type to compare with the journal's. */
  type: StepType | undefined;
  /** Whether `record` is the call's outcome for good, returned instead of running the step again. */
  isFinal(record: JournalRecord): boolean;
}

/** Where a call stands: its position, and its step's active record if the journal holds one. */
export interface JournalSlot {
  position: number;
  recorded: JournalRecord | undefined;
}

/**
 * The replay rule. Look the step up; a journal that recorded another step at this position, or this step
 * elsewhere or as another type, is a determinism error naming both; a final record's result is returned and
 * nothing runs; any other step runs now, and `run` commits it before its result is returned.
 */
export async function replayOrRun(
  cursor: JournalCursor,
  call: StepCall,
  run: (slot: JournalSlot) => Promise<StepResult>,
): Promise<StepResult> {
  const { position, atPosition, recorded } = cursor.claim(call.id);
  assertSameStep(call, position, atPosition, recorded);
  if (recorded && call.isFinal(recorded)) return cursor.replay(recorded);
  return run({ position, recorded });
}

export function stepCall(id: string, spec: StepSpec): StepCall {
  return {
    id,
    type: spec.type,
    isFinal: (record) =>
      record.status === 'completed' ||
      record.status === 'skipped' ||
      // A failure the template chose to continue past is the step's committed outcome.
      (record.status === 'failed' && spec.continueOnError === true && record.result !== null),
  };
}

/** A context call journaled as a step of its own (`ctx.artifact`): only its completion is final. */
export function contextCall(id: string, type: StepType): StepCall {
  return { id, type, isFinal: (record) => record.status === 'completed' };
}

export function skipCall(id: string, type: StepType | undefined): StepCall {
  return { id, type, isFinal: (record) => record.status === 'skipped' };
}

const CAUSE = 'the template changed, or code between steps depends on something other than args and step results';

function assertSameStep(
  call: StepCall,
  position: number,
  atPosition: JournalRecord | undefined,
  recorded: JournalRecord | undefined,
): void {
  const asked = `replay asked for step "${call.id}" at position ${position}`;
  if (atPosition && atPosition.stepId !== call.id) {
    throw new DeterminismError(
      `${asked}, but the journal recorded step "${atPosition.stepId}" there; ${CAUSE}`,
      atPosition.stepId,
      call.id,
    );
  }
  if (!recorded) return;
  if (recorded.index !== position) {
    throw new DeterminismError(
      `${asked}, but the journal recorded it at position ${recorded.index}`,
      recorded.stepId,
      call.id,
    );
  }
  const type = recordedType(recorded);
  if (call.type && type && call.type !== type) {
    throw new DeterminismError(
      `${asked} as ${aStep(call.type)}, but the journal recorded step "${recorded.stepId}" there as ${aStep(type)}; ${CAUSE}`,
      recorded.stepId,
      call.id,
      { expected: type, actual: call.type },
    );
  }
}

const aStep = (type: StepType) => `${type === 'agent' ? 'an' : 'a'} ${type} step`;

/** The type a record was journaled with, where it says something. */
function recordedType(record: JournalRecord): StepType | undefined {
  // `ctx.skip` journals 'function' when it names no type, so such a record does not say what the step was.
  return record.status === 'skipped' && record.type === 'function' ? undefined : record.type;
}

/** Where `execute` is in the run's journal: the calls made so far, and the records this worker knows. */
export class JournalCursor {
  private position = 0;
  private readonly seen = new Set<string>();
  private readonly byId = new Map<string, JournalRecord>();
  private readonly byIndex = new Map<number, JournalRecord>();
  private readonly replayLength: number;
  /** The phase of the step most recently started or replayed. */
  phase: string | null = null;
  /** The step most recently replayed or committed; comments are keyed after it. */
  private lastStepId: string | null = null;
  private commentsSinceStep = 0;

  constructor(journal: JournalRecord[]) {
    for (const record of journal) {
      this.byId.set(record.stepId, record);
      this.byIndex.set(record.index, record);
    }
    this.replayLength = journal.length === 0 ? 0 : Math.max(...journal.map((r) => r.index)) + 1;
  }

  get isReplaying(): boolean {
    return this.position < this.replayLength;
  }

  get lastStep(): string | null {
    return this.lastStepId;
  }

  /** Takes the next call position for step `id`, with the records at that position and of that step. */
  claim(id: string): { position: number; atPosition: JournalRecord | undefined; recorded: JournalRecord | undefined } {
    if (this.seen.has(id)) throw new DuplicateStepIdError(id);
    this.seen.add(id);
    const position = this.position++;
    return { position, atPosition: this.byIndex.get(position), recorded: this.byId.get(id) };
  }

  /** `execute` carries on from a final record as if its step had just run. */
  replay(record: JournalRecord): StepResult {
    this.phase = record.phase;
    this.passed(record.stepId);
    return record.result!;
  }

  /** A step this worker ran was committed as `record`. */
  committed(record: JournalRecord): void {
    this.byId.set(record.stepId, record);
    this.byIndex.set(record.index, record);
    this.passed(record.stepId);
  }

  result(id: string): StepResult | undefined {
    return this.byId.get(id)?.result ?? undefined;
  }

  /** The active journal as this worker knows it, in no set order. */
  records(): JournalRecord[] {
    return [...this.byIndex.values()];
  }

  /** Keyed by position, so a replayed `execute` finds the comment it already wrote. */
  nextCommentKey(): string {
    return `${this.lastStepId ?? '^'}#${this.commentsSinceStep++}`;
  }

  private passed(stepId: string): void {
    this.lastStepId = stepId;
    this.commentsSinceStep = 0;
  }
}
