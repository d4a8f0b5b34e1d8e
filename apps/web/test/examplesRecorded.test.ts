/**
 * The example templates with recorded agents: `SWITCHYARD_AGENTS=replay` plays the committed cassettes in
 * `fixtures/cassettes/` through the real command line, with no agent CLI installed (the Claude path points at
 * nothing), so these runs need neither tokens nor network nor a CLI.
 *
 * To record them again (after an example's prompts changed), run this file with `SWITCHYARD_RECORD_EXAMPLES=1`: the
 * same runs then go through the fake Claude CLI with `SWITCHYARD_AGENTS=record` and rewrite the cassettes.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fakeClaudePath } from '@switchyard/agent-cli-sdk/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, EXAMPLES_DIR, tempProject } from './cliHarness.ts';

const CASSETTES = fileURLToPath(new URL('fixtures/cassettes/', import.meta.url));
const recording = process.env.SWITCHYARD_RECORD_EXAMPLES === '1';

function agentEnv(): Record<string, string> {
  const common = { SWITCHYARD_CASSETTES_DIR: CASSETTES };
  if (recording) {
    return {
      ...common,
      SWITCHYARD_AGENTS: 'record',
      SWITCHYARD_CLAUDE_PATH: fakeClaudePath,
      SWITCHYARD_STEP_ENV: 'FAKE_AGENT_*',
      FAKE_AGENT_SCENARIO: 'text',
    };
  }
  // Replay must not need a CLI: one that was started would fail the step with "not an executable file".
  return { ...common, SWITCHYARD_AGENTS: 'replay', SWITCHYARD_CLAUDE_PATH: '/nonexistent/claude' };
}

interface RunJson {
  id: string;
  status: string;
  error: string | null;
  output: Record<string, unknown> | null;
  steps: {
    id: string;
    status: string;
    error: string | null;
    output: { text?: string; sessionId?: string } | null;
  }[];
}

async function cassetteFiles(template: string): Promise<string[]> {
  return (await readdir(join(CASSETTES, template)).catch(() => [])).sort();
}

// Each command opens the project's embedded database (a few seconds on a loaded machine).
describe(`the examples with recorded agents (${recording ? 'recording' : 'replaying'})`, { timeout: 120_000 }, () => {
  beforeAll(async () => {
    if (recording) await rm(CASSETTES, { recursive: true, force: true });
  });

  it('implement-feature: both agent steps are played from their cassettes', async () => {
    const project = await tempProject();
    const result = await cli(
      [
        'run',
        join(EXAMPLES_DIR, 'implement-feature.ts'),
        '--arg',
        'feature=Add a --verbose flag',
        '--arg',
        'testCommand=echo all tests passed',
        '--json',
      ],
      { cwd: project, env: agentEnv() },
    );
    expect(result.code, result.stderr).toBe(0);
    const run = JSON.parse(result.stdout) as RunJson;
    expect(run.steps.map((s) => `${s.id}:${s.status}`)).toEqual([
      'list-files:completed',
      'research-codebase:completed',
      'create-plan:completed',
      'implement:completed',
      'run-tests:completed',
    ]);
    const research = run.steps[1]!.output!;
    expect(research.text).toBe('Hello from the fake Anthropic API.');
    expect(research.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.output).toMatchObject({ summary: 'Hello from the fake Anthropic API.', tested: true });
    const files = await cassetteFiles('implement-feature');
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^implement-[0-9a-f]{16}\.jsonl$/);
    expect(files[1]).toMatch(/^research-codebase-[0-9a-f]{16}\.jsonl$/);
  });

  it('fix-bug: the diagnosis and the fix are played, up to the review gate', async () => {
    const project = await tempProject();
    const reproduce = 'test -f fixed || { echo "boom: empty input" >&2; exit 1; }';
    const result = await cli(
      [
        'run',
        join(EXAMPLES_DIR, 'fix-bug.yaml'),
        '--arg',
        'issue=Crash on empty input',
        '--arg',
        `reproduce=${reproduce}`,
        '--json',
      ],
      { cwd: project, env: agentEnv() },
    );
    expect(result.code, result.stderr).toBe(3);
    const run = JSON.parse(result.stdout) as RunJson;
    expect(run.status).toBe('waiting');
    expect(run.steps.map((s) => `${s.id}:${s.status}`)).toEqual([
      'reproduce:failed',
      'diagnose:completed',
      'fix:completed',
    ]);
    expect(run.steps[1]!.output!.text).toBe('Hello from the fake Anthropic API.');
    const diagnose = (await cassetteFiles('fix-bug')).find((file) => file.startsWith('diagnose-'))!;
    const header = JSON.parse((await readFile(join(CASSETTES, 'fix-bug', diagnose), 'utf8')).split('\n')[0]!) as {
      prompt: string;
    };
    expect(header.prompt).toContain('A user reported this bug: Crash on empty input');
    expect(header.prompt).toContain('boom: empty input');
  });

  it.skipIf(recording)('a prompt that was not recorded fails its step, naming the step and the cassette', async () => {
    const project = await tempProject();
    const result = await cli(
      ['run', join(EXAMPLES_DIR, 'implement-feature.ts'), '--arg', 'feature=Something never recorded', '--json'],
      { cwd: project, env: agentEnv() },
    );
    expect(result.code).not.toBe(0);
    const run = JSON.parse(result.stdout) as RunJson;
    expect(run.status).toBe('failed');
    const research = run.steps.find((step) => step.id === 'research-codebase')!;
    expect(research.status).toBe('failed');
    expect(research.error).toContain(
      'no recorded agent for step "research-codebase" of template "implement-feature" with this prompt',
    );
    expect(research.error).toContain(join(CASSETTES, 'implement-feature', 'research-codebase-'));
    expect(run.error).toContain('step "research-codebase" failed: no recorded agent');
  });
});
