/**
 * `@switchyard/workflow-engine/vocabulary`: the engine's enumerations with no Node.js dependency, for code that
 * also runs in a browser (the API's protocol schemas, the board).
 */
export { COMMENT_TYPES, RUN_STATUSES, STEP_STATUSES, STEP_TYPES, TERMINAL_RUN_STATUSES } from './types/status.ts';
export type { CommentType, RunStatus, StepStatus, StepType } from './types/status.ts';
export { AGENT_NAMES } from '@switchyard/agent-cli-sdk/vocabulary';
export type { AgentName } from '@switchyard/agent-cli-sdk/vocabulary';
export { ERROR_KINDS } from './errors.ts';
export type { ErrorKind } from './errors.ts';
