import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, EXAMPLES_DIR, runIdFrom, startCli, tempProject, until } from './cliHarness.ts';

const GATED_TEMPLATE = (answer: string) => `
import { defineWorkflow } from '@switchyard/workflow-engine';

export default defineWorkflow({
  name: 'Gated',
  phases: ['build', { id: 'review', gate: 'manual' }],
  async execute(ctx) {
    await ctx.step('build', { phase: 'build', run: () => 'built' });
    const answer = await ctx.step('answer', { phase: 'review', run: () => '${answer}' });
    return answer.data;
  },
});
`;

const SLOW_TEMPLATE = `
name: Slow
phases: [work, after]
args:
  pidfile: { type: string, required: true }
steps:
  - id: long
    phase: work
    type: script
    command: ["sh", "-c", "sleep 1000 & echo $! > {{ args.pidfile }}; wait"]
  - id: later
    phase: after
    type: script
    command: ["echo", "later ran"]
`;

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// Each command that reaches runs opens the project's embedded database (a few seconds on a loaded machine).
describe('switchyard command line', { timeout: 120_000 }, () => {
  it('runs the simple-pipeline example end to end and prints the run as JSON', async () => {
    const project = await tempProject();
    const result = await cli(
      ['run', join(EXAMPLES_DIR, 'simple-pipeline.yaml'), '--arg', 'environment=production', '--json'],
      { cwd: project },
    );
    expect(result.code, result.stderr).toBe(0);
    const run = JSON.parse(result.stdout);
    expect(run).toMatchObject({ status: 'completed', template: 'simple-pipeline', phase: 'deploy' });
    expect(run.steps.map((s: { id: string; status: string }) => `${s.id}:${s.status}`)).toEqual([
      'build:completed',
      'unit-tests:completed',
      'deploy:completed',
    ]);
    expect(run.steps[2].output.stdout).toBe('deployed app-1.0.0.tgz to production\n');
    expect(existsSync(join(project, '.agent', 'workflows', 'executions', run.id, 'logs', 'deploy', 'summary.md'))).toBe(
      true,
    );
  });

  it('follows a run live: phases, steps with durations and script output', async () => {
    const project = await tempProject();
    const result = await cli(['run', join(EXAMPLES_DIR, 'simple-pipeline.yaml'), '--follow'], { cwd: project });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /── build\n {2}▶ Build \(script\)\n {4}│ \{"artifact":"app-1.0.0.tgz"\}\n {2}✓ build completed \d+ ms/,
    );
    expect(result.stdout).toContain('deployed app-1.0.0.tgz to staging');
    expect(result.stdout).toMatch(/completed in .* — run [0-9a-f-]{36}/);
  });

  it('exits 2 with file:line:column and field path for an invalid template', async () => {
    const project = await tempProject({
      'broken.yaml':
        'name: Broken\nphases: [build, test]\nsteps:\n  - id: one\n    phase: deploy\n    type: script\n    command: "true"\n',
    });
    const result = await cli(['run', 'broken'], { cwd: project });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('broken.yaml:5:12 steps[0].phase: "deploy" is not a declared phase (build, test)');
    expect(result.stderr).not.toMatch(/^\s+at /m);
    const validated = await cli(['validate'], { cwd: project });
    expect(validated.code).toBe(2);
    expect(validated.stderr).toContain('broken.yaml:5:12');
  });

  it('exits 2 naming the field for args that break the schema, and for a bad --arg', async () => {
    const project = await tempProject();
    const badEnum = await cli(['run', join(EXAMPLES_DIR, 'simple-pipeline.yaml'), '--arg', 'environment=moon'], {
      cwd: project,
    });
    expect(badEnum.code).toBe(2);
    expect(badEnum.stderr).toContain('args.environment');
    const missing = await cli(['run', join(EXAMPLES_DIR, 'fix-bug.yaml')], { cwd: project });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('args.issue');
    const malformed = await cli(['run', join(EXAMPLES_DIR, 'simple-pipeline.yaml'), '--arg', 'novalue'], {
      cwd: project,
    });
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('--arg novalue: expected key=value');
  });

  it('exits 2 for an unknown command, an unknown option and an unknown run', async () => {
    const project = await tempProject();
    expect((await cli(['launch'], { cwd: project })).stderr).toContain('unknown command "launch"');
    const badOption = await cli(['run', 'x', '--colour'], { cwd: project });
    expect(badOption).toMatchObject({ code: 2 });
    expect(badOption.stderr).toContain("Unknown option '--colour'");
    const unknownRun = await cli(['status', 'nope'], { cwd: project });
    expect(unknownRun.code).toBe(2);
    expect(unknownRun.stderr).toContain('no run nope');
    const noTemplate = await cli(['run', 'missing-template'], { cwd: project });
    expect(noTemplate.code).toBe(2);
    expect(noTemplate.stderr).toContain('no template "missing-template"');
  });

  it('shows help for every command', async () => {
    const project = await tempProject();
    const help = await cli(['run', '--help'], { cwd: project });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: switchyard run <template>');
    expect(help.stdout).toContain(
      'exit codes: 0 completed, 1 failed or cancelled, 2 bad usage or invalid template, 3 paused or waiting at a gate',
    );
  });

  it('waits at a gate (exit 3), and a run stays pinned to its template when the file changes before advance', async () => {
    const project = await tempProject({ 'gated.ts': GATED_TEMPLATE('first version') });
    const waiting = await cli(['run', 'gated', '--json'], { cwd: project });
    expect(waiting.code).toBe(3);
    const run = JSON.parse(waiting.stdout);
    expect(run).toMatchObject({ status: 'waiting', waiting_gate: 'review' });
    await writeFile(join(project, '.agent', 'workflows', 'definitions', 'gated.ts'), GATED_TEMPLATE('edited version'));
    const advanced = await cli(['advance', run.id, '--json'], { cwd: project });
    expect(advanced.code, advanced.stderr).toBe(0);
    expect(JSON.parse(advanced.stdout)).toMatchObject({ status: 'completed', output: 'first version' });
    const fresh = await cli(['run', 'gated', '--json'], { cwd: project });
    await cli(['advance', JSON.parse(fresh.stdout).id], { cwd: project });
    const status = await cli(['status', JSON.parse(fresh.stdout).id, '--json'], { cwd: project });
    expect(JSON.parse(status.stdout).output).toBe('edited version');
  });

  it('pauses a run executing in another process, resumes it on its pinned template, and cancels it from a third, killing the step tree', async () => {
    const project = await tempProject({ 'slow.yaml': SLOW_TEMPLATE });
    const pidfile = join(project, 'sleeper.pid');
    const running = startCli(['run', 'slow', '--arg', `pidfile=${pidfile}`], { cwd: project });
    await until(() => existsSync(pidfile), 'the long step to start');
    const runId = runIdFrom(running.stdout());
    const paused = await cli(['pause', runId, '--now'], { cwd: project });
    expect(paused.stdout).toContain(`asked run ${runId} to pause`);
    const first = await running.done;
    expect(first.code).toBe(3);
    expect(first.stdout).toContain('status: paused');
    const sleeper = Number(await readFile(pidfile, 'utf8'));
    await until(() => !isAlive(sleeper), 'the paused step to be stopped', 5_000);

    await writeFile(
      join(project, '.agent', 'workflows', 'definitions', 'slow.yaml'),
      SLOW_TEMPLATE.replace('sleep 1000 &', 'true &'),
    );
    // The pinned template still sleeps: cancel it from here while it does.
    const resumed = startCli(['resume', runId], { cwd: project });
    await until(async () => (await readFile(pidfile, 'utf8')).trim() !== String(sleeper), 'the step to run again');
    const second = Number(await readFile(pidfile, 'utf8'));
    expect(isAlive(second)).toBe(true);
    const cancelled = await cli(['cancel', runId], { cwd: project });
    expect(cancelled.code).toBe(0);
    const end = await resumed.done;
    expect(end.code).toBe(1);
    expect(end.stdout).toContain('status: cancelled');
    await until(() => !isAlive(second), 'the cancelled step tree to die', 5_000);
  });

  it('lists runs and templates', async () => {
    const project = await tempProject({ 'gated.ts': GATED_TEMPLATE('x'), 'bad.yaml': 'name: [' });
    const templates = await cli(['list', '--templates'], { cwd: project });
    expect(templates.stdout).toMatch(/gated\s+Gated — phases: build → review/);
    expect(templates.stdout).toMatch(/bad\.yaml\s+INVALID: .*bad\.yaml:1/);
    expect((await cli(['list'], { cwd: project })).stdout).toContain('no runs yet');
    const started = await cli(['run', 'gated', '--json'], { cwd: project });
    const listed = await cli(['list', '--status', 'waiting', '--json'], { cwd: project });
    expect(JSON.parse(listed.stdout).map((r: { id: string }) => r.id)).toEqual([JSON.parse(started.stdout).id]);
  });
});
