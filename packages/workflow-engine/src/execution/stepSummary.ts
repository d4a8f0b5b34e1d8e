/** The human `summary.md` of a finished step: what ran, how it ended, the tail of what it said. */
import type { AgentResult } from '../ports.ts';
import type { StepLog } from '../storage/FileSystemStorage.ts';
import type { ScriptOutput, StepResult, StepSpec } from '../types/step.ts';
import { Redactor } from './secrets.ts';

const TAIL_LINES = 40;

export async function writeStepSummary(
  log: StepLog,
  stepId: string,
  spec: StepSpec,
  result: StepResult,
): Promise<void> {
  // The result is redacted already; the command line in the summary comes from the spec, which may spell a secret.
  const summary = renderStepSummary(stepId, spec, result);
  const redacted = spec.type === 'function' ? summary : Redactor.forEnv(spec.env).text(summary);
  await Promise.all([log.writeOutput(result), log.writeSummary(redacted)]);
}

export function renderStepSummary(stepId: string, spec: StepSpec, result: StepResult): string {
  const seconds = (Date.parse(result.finishedAt) - Date.parse(result.startedAt)) / 1000;
  const lines = [
    `# ${spec.name ?? stepId}`,
    '',
    `- status: ${result.status}`,
    `- phase: ${spec.phase}`,
    `- type: ${spec.type}`,
    `- attempts: ${result.attempts}`,
    `- duration: ${seconds.toFixed(2)} s`,
  ];
  if (result.error) lines.push(`- error: ${result.error.message}`);
  if (spec.type === 'script') {
    const output = result.data as ScriptOutput | null;
    lines.push(`- command: \`${typeof spec.command === 'string' ? spec.command : spec.command.join(' ')}\``);
    if (output) {
      lines.push(`- exit code: ${output.exitCode ?? `none (${output.signal ?? 'not started'})`}`);
      for (const [name, text] of [
        ['stdout', output.stdout],
        ['stderr', output.stderr],
      ] as const) {
        if (text.trim()) lines.push('', `## ${name} (last ${TAIL_LINES} lines)`, '', '```', tail(text), '```');
      }
    }
  }
  if (spec.type === 'agent') {
    const agent = result.data as AgentResult | null;
    lines.push(`- agent: ${spec.agent}${spec.model ? ` (${spec.model})` : ''}`);
    if (agent) {
      lines.push(
        `- session: ${agent.sessionId ?? 'none'}`,
        `- turns: ${agent.numTurns ?? 'unknown'}`,
        `- cost: ${agent.costUsd === null ? 'unknown' : `$${agent.costUsd.toFixed(4)}`}`,
        `- tokens: ${agent.usage.input} in, ${agent.usage.output} out`,
        '',
        '## Final answer',
        '',
        agent.text,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function tail(text: string): string {
  return text.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
}
