/**
 * @switchyard/agent-cli-sdk: run Claude Code, Codex and Gemini CLIs as child processes and read their streams as one
 * event model.
 */
export type * from './types.ts';
export { AGENT_NAMES } from './types.ts';
export type * from './events.ts';
export type { AgentAdapter, StreamParser, StreamProgress } from './adapter.ts';
export { createAgentRunner, agentAdapters } from './runner.ts';
export type { AgentRunnerOptions } from './runner.ts';
export { claudeAdapter, buildClaudeArgs, createClaudeParser } from './adapters/claude.ts';
export { codexAdapter, buildCodexArgs, createCodexParser } from './adapters/codex.ts';
export { geminiAdapter, buildGeminiArgs, createGeminiParser } from './adapters/gemini.ts';
export type { AgentSdkErrorKind } from './errors.ts';
export {
  AgentSdkError,
  AgentCliNotFoundError,
  AgentHookError,
  AgentSpawnError,
  AgentCassetteMissingError,
  AgentCassetteInvalidError,
  AgentModeError,
} from './errors.ts';
export {
  AGENT_MODES,
  AGENTS_MODE_VARIABLE,
  agentModeFromEnv,
  cassetteFile,
  createRecordingAgentRunner,
  createReplayingAgentRunner,
  withCassettes,
} from './cassettes.ts';
export type { AgentMode } from './cassettes.ts';
export { renderAgentSummary } from './summary.ts';
export { createLineSplitter } from './lines.ts';
export { BASE_ENVIRONMENT, STEP_ENV_VARIABLE, passedThrough, pickEnvironment } from './environment.ts';
export type { LineSplitter, LineSplitterOptions } from './lines.ts';
