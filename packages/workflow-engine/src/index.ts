/** @switchyard/workflow-engine — durable workflows for AI-agent work. */
export type * from './types/workflow.ts';
export type * from './types/step.ts';
export type * from './types/context.ts';
export type * from './types/status.ts';
export type * from './ports.ts';
export {
  AGENT_NAMES,
  COMMENT_TYPES,
  RUN_STATUSES,
  STEP_STATUSES,
  STEP_TYPES,
  TERMINAL_RUN_STATUSES,
} from './vocabulary.ts';
export * from './errors.ts';

export {
  defineWorkflow,
  validateArgs,
  definitionSnapshot,
  argsJsonSchema,
  isDefinedWorkflow,
  templateIdFromPath,
  contentHash,
} from './parser/WorkflowDefinition.ts';
export type { WorkflowConfig, DefinedWorkflow, PhaseInput } from './parser/WorkflowDefinition.ts';
export { loadTemplate } from './parser/loadTemplate.ts';
export type { LoadTemplateOptions } from './parser/loadTemplate.ts';
export {
  definitionFromInspection,
  discoverTemplates,
  inspectTemplate,
  loadCheckedTemplate,
  loadPinnedTemplate,
} from './parser/templateInspector.ts';
export type { DiscoveredTemplates, Inspection, InspectOptions } from './parser/templateInspector.ts';
export { loadCodeTemplate } from './parser/CodeParser.ts';
export { parseYamlTemplate, loadYamlTemplate } from './parser/YamlParser.ts';

export { secret, Redactor, REDACTED } from './execution/secrets.ts';
export type { SecretRef, StepEnv } from './execution/secrets.ts';
export { reapOrphanedStepProcesses, STEP_TAG_VARIABLE } from './execution/stepProcesses.ts';
export { addToArtifactInbox } from './execution/artifacts.ts';
export { prepareStepLauncher } from './execution/stepLauncher.ts';
export { createExecutor } from './execution/WorkflowExecutor.ts';
export { planWorkspace, createWorktree, openWorktree, removeWorktree, worktreeDir } from './workspace/worktree.ts';
export type { WorkspaceMode, WorkspaceRecord, WorktreeRecord } from './workspace/worktree.ts';
export { stepCommitMessage, SWITCHYARD_COMMIT_TRAILER } from './workspace/snapshot.ts';
export { SWITCHYARD_AUTHOR, runGit } from './workspace/git.ts';
export { diffCommits } from './workspace/diff.ts';
export { checkMerge, mergeIntoBase } from './workspace/merge.ts';
export type { MergeCheck, MergeOutcome, MergeState } from './workspace/merge.ts';
export type { CommitDiff, FileDiff, FileChangeStatus } from './workspace/diff.ts';
export type { ExecutorOptions, StartOptions, WorkflowExecutor } from './execution/WorkflowExecutor.ts';
export type { FollowUpOutcome } from './execution/followUp.ts';
export { CheckpointManager, buildCheckpoint, runStateFromCheckpoint } from './execution/CheckpointManager.ts';
export type { Checkpoint } from './execution/CheckpointManager.ts';

export { createMemoryRunStore } from './storage/MemoryRunStore.ts';
export { createMemoryFollowUpQueue } from './storage/MemoryFollowUpQueue.ts';
export type { MemoryRunStore } from './storage/MemoryRunStore.ts';
export { createFileRunStore } from './storage/FileRunStore.ts';
export { ExecutionFiles, StepLog } from './storage/FileSystemStorage.ts';
export { writeFileAtomic } from './storage/atomicFile.ts';
export { isProcessAlive } from './storage/fileLock.ts';
export type { StepLogType } from './storage/FileSystemStorage.ts';
export type { RunState } from './storage/runState.ts';
/** The run state machine every store shares; a store of its own applies these under its own locking. */
export * as runTransitions from './storage/runState.ts';
export { createStateRunStore, systemClock } from './storage/stateRunStore.ts';
export type { Clock, JournalScope, RunStateRepository } from './storage/stateRunStore.ts';
