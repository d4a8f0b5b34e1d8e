/**
 * The example templates end to end, through the real command line, with agent steps played by the fake agent
 * CLIs (real processes that print recorded Claude Code streams).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fakeClaudePath, readFakeAgentLog } from '@switchyard/agent-cli-sdk/testing';
import { describe, expect, it } from 'vitest';
import { cli, EXAMPLES_DIR, runFromHolder, runIdFrom, startCli, tempProject, until } from './cliHarness.ts';

function fakeAgentEnv(project: string, extra: Record<string, string> = {}) {
  return {
    SWITCHYARD_CLAUDE_PATH: fakeClaudePath,
    FAKE_AGENT_ARGV_LOG: join(project, 'agent-argv.jsonl'),
    // Steps and agents get an allowlist of the environment: the fake's knobs are passed on by name.
    SWITCHYARD_STEP_ENV: 'FAKE_AGENT_*',
    ...extra,
  };
}

interface RunJson {
  id: string;
  status: string;
  waiting_gate: string | null;
  output: Record<string, unknown>;
  steps: { id: string; status: string; output: { text?: string; sessionId?: string } | null }[];
}

// Each command opens the project's embedded database (a few seconds on a loaded machine).
describe('examples', { timeout: 120_000 }, () => {
  it('implement-feature: agent, function and script steps across four phases', async () => {
    const project = await tempProject();
    const env = fakeAgentEnv(project);
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
      { cwd: project, env },
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
    expect(run.steps[1]?.output?.sessionId).toMatch(/.+/);
    expect(run.output).toMatchObject({ tested: true });
    const invocations = readFakeAgentLog(env.FAKE_AGENT_ARGV_LOG);
    expect(invocations).toHaveLength(2);
    expect(invocations[0]?.argv.at(-1)).toContain('We are going to implement this feature: Add a --verbose flag');
    expect(invocations[0]?.cwd).toBe(project);
  });

  it('implement-feature with skipTests journals the test step as skipped', async () => {
    const project = await tempProject();
    const result = await cli(
      ['run', join(EXAMPLES_DIR, 'implement-feature.ts'), '--arg', 'feature=x', '--arg', 'skipTests=true', '--json'],
      { cwd: project, env: fakeAgentEnv(project) },
    );
    expect(result.code, result.stderr).toBe(0);
    const run = JSON.parse(result.stdout) as RunJson;
    expect(run.steps.at(-1)).toMatchObject({ id: 'run-tests', status: 'skipped' });
    expect(run.output).toMatchObject({ tested: false });
  });

  it('fix-bug: interpolation and if: over a failing reproduction, a manual review gate, then verification', async () => {
    const project = await tempProject();
    const env = fakeAgentEnv(project);
    const flag = join(project, 'fixed');
    const reproduce = `test -f ${flag} || { echo "boom: empty input" >&2; exit 1; }`;
    const waiting = await cli(
      [
        'run',
        join(EXAMPLES_DIR, 'fix-bug.yaml'),
        '--arg',
        'issue=Crash on empty input',
        '--arg',
        `reproduce=${reproduce}`,
        '--json',
      ],
      { cwd: project, env },
    );
    expect(waiting.code, waiting.stderr).toBe(3);
    const run = JSON.parse(waiting.stdout) as RunJson;
    expect(run).toMatchObject({ status: 'waiting', waiting_gate: 'review' });
    expect(run.steps.map((s) => `${s.id}:${s.status}`)).toEqual([
      'reproduce:failed',
      'diagnose:completed',
      'fix:completed',
    ]);
    const [diagnose] = readFakeAgentLog(env.FAKE_AGENT_ARGV_LOG);
    expect(diagnose?.argv.at(-1)).toContain('A user reported this bug: Crash on empty input');
    expect(diagnose?.argv.at(-1)).toContain('exited with code 1');
    expect(diagnose?.argv.at(-1)).toContain('boom: empty input');

    await writeFile(flag, '');
    const approved = await cli(['advance', run.id, '--json'], { cwd: project, env });
    expect(approved.code, approved.stderr).toBe(0);
    expect((JSON.parse(approved.stdout) as RunJson).steps.at(-1)).toMatchObject({ id: 'verify', status: 'completed' });
  });

  it('resumes an agent step killed mid-stream with the journaled session id', async () => {
    const project = await tempProject();
    // A second a line: the step is still running when the poll below sees its session id, though the poll's first
    // request waits for the command line to build the API it shares the run through.
    const env = fakeAgentEnv(project, { FAKE_AGENT_DELAY_MS: '1000', FAKE_AGENT_SCENARIO: 'tool' });
    const first = startCli(
      ['run', join(EXAMPLES_DIR, 'implement-feature.ts'), '--arg', 'feature=x', '--arg', 'skipTests=true'],
      { cwd: project, env },
    );
    await until(
      async () => (await readFile(env.FAKE_AGENT_ARGV_LOG, 'utf8').catch(() => '')).length > 0,
      'the agent to start',
    );
    const runId = runIdFrom(first.stdout());
    await until(async () => {
      const run = (await runFromHolder(project, runId)) as
        { steps: { step_id: string; cli_session_id: string | null }[] } | undefined;
      return run?.steps.some((s) => s.step_id === 'research-codebase' && s.cli_session_id) ?? false;
    }, 'the session id to be journaled');
    first.child.kill('SIGKILL');
    await first.done;

    const resumed = await cli(['resume', runId, '--json'], { cwd: project, env: { ...env, FAKE_AGENT_DELAY_MS: '1' } });
    expect(resumed.code, resumed.stderr).toBe(0);
    const invocations = readFakeAgentLog(env.FAKE_AGENT_ARGV_LOG);
    const sessionId = (JSON.parse(resumed.stdout) as RunJson).steps[1]?.output?.sessionId;
    expect(sessionId).toMatch(/.+/);
    expect(invocations[0]?.argv).not.toContain('--resume');
    const resumedArgv = invocations[1]?.argv ?? [];
    expect(resumedArgv[resumedArgv.indexOf('--resume') + 1]).toBe(sessionId);
    expect(resumedArgv.at(-1)).toContain('Continue from where you left off');
  });
});
