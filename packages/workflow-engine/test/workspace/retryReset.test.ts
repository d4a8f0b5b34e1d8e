/**
 * A step's retries in a worktree run, on a real repository: each attempt starts from the step's base commit, and
 * what a failed attempt changed — edited, new and even committed files — is kept on a side ref, never lost.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createExecutor } from '../../src/execution/WorkflowExecutor.ts';
import { ExecutionFiles } from '../../src/storage/FileSystemStorage.ts';
import { createMemoryRunStore } from '../../src/storage/MemoryRunStore.ts';
import type { WorktreeRecord } from '../../src/workspace/worktree.ts';
import { inlineDefinition, tempDir } from '../helpers.ts';
import { commitsOf, git, gitRepo } from './gitRepo.ts';

describe('retries in a worktree run', () => {
  it('start each attempt from the step’s base commit, keeping what a failed attempt left on a retried ref', async () => {
    const project = await gitRepo({ 'notes.txt': 'start\n', '.gitignore': '.agent/\n' });
    const counter = join(await tempDir(), 'attempts');
    const store = createMemoryRunStore();
    const executionsDir = join(project, '.agent', 'workflows', 'executions');
    const executor = createExecutor({ store, executionsDir, workingDir: project, retryBaseDelayMs: 1 });
    const definition = await inlineDefinition(await tempDir(), 'flaky', {
      name: 'Flaky',
      phases: ['work'],
      args: z.object({}),
      async execute(ctx) {
        await ctx.step('prepare', { phase: 'work', command: `printf 'prepared\\n' >> notes.txt` });
        // Attempt n appends a line, leaves a new file, and fails until the third; the first also commits.
        await ctx.step('flaky', {
          phase: 'work',
          retries: 2,
          command: [
            `n=$(($(cat '${counter}' 2>/dev/null || echo 0) + 1)); echo $n > '${counter}'`,
            `printf 'attempt %s\\n' $n >> notes.txt; printf 'left by %s\\n' $n > "left-$n.txt"`,
            `if [ $n -eq 1 ]; then git add -A && git -c user.name=a -c user.email=a@a commit -qm 'attempt 1'; fi`,
            `[ $n -ge 3 ]`,
          ].join('\n'),
        });
      },
    });

    const run = await executor.run(definition, {});

    expect(run.status).toBe('completed');
    const workspace = (await new ExecutionFiles(executionsDir, run.id).readWorkspace()) as WorktreeRecord;
    // The third attempt saw neither earlier attempt's line nor their files.
    expect(readFileSync(join(workspace.path, 'notes.txt'), 'utf8')).toBe('start\nprepared\nattempt 3\n');
    expect(existsSync(join(workspace.path, 'left-1.txt'))).toBe(false);
    expect(existsSync(join(workspace.path, 'left-2.txt'))).toBe(false);
    expect(commitsOf(project, `${workspace.base}..${workspace.branch}`).map((c) => c.subject)).toEqual([
      'prepare: prepare',
      'flaky: flaky',
    ]);
    const prepared = git(project, 'rev-parse', `${workspace.branch}~1`);
    // Attempt 1 committed: its commit is kept on an attempts ref; attempt 2's uncommitted files on a retried ref.
    const attemptOne = `refs/switchyard/${run.id}/attempts/1`;
    expect(git(project, 'show', `${attemptOne}:notes.txt`)).toBe('start\nprepared\nattempt 1');
    expect(git(project, 'show', `${attemptOne}:left-1.txt`)).toBe('left by 1');
    const attemptTwo = `refs/switchyard/${run.id}/retried/1`;
    expect(git(project, 'show', `${attemptTwo}:notes.txt`)).toBe('start\nprepared\nattempt 2');
    expect(git(project, 'show', `${attemptTwo}:left-2.txt`)).toBe('left by 2');
    expect(git(project, 'rev-parse', `${attemptTwo}~1`)).toBe(prepared);
    expect(git(project, 'log', '-1', '--format=%s', attemptTwo)).toBe(
      'retried: files attempt 2 of step flaky left when it failed',
    );
    const comments = (await store.listComments(run.id)).map((c) => c.text);
    expect(comments).toEqual([
      `Attempt 1 of step "flaky" failed; what it changed was kept on ${attemptOne}, and attempt 2 starts from the step's base commit`,
      `Attempt 2 of step "flaky" failed; what it changed was kept on ${attemptTwo}, and attempt 3 starts from the step's base commit`,
    ]);
    // The main checkout saw none of it.
    expect(git(project, 'status', '--porcelain')).toBe('');
    expect(readFileSync(join(project, 'notes.txt'), 'utf8')).toBe('start\n');
  });
});
