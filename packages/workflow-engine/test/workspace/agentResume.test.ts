import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentResult, AgentRunner } from '@switchyard/agent-cli-sdk';
import { createExecutor } from '../../src/execution/WorkflowExecutor.ts';
import { ExecutionFiles } from '../../src/storage/FileSystemStorage.ts';
import { createMemoryRunStore } from '../../src/storage/MemoryRunStore.ts';
import type { WorktreeRecord } from '../../src/workspace/worktree.ts';
import { inlineDefinition, tempDir, until } from '../helpers.ts';
import { commitsOf, git, gitRepo } from './gitRepo.ts';

const result = (text: string): AgentResult => ({
  text,
  sessionId: 'session-1',
  usage: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
  costUsd: 0,
  numTurns: 1,
  durationMs: 1,
  isError: false,
});

describe('an agent step of a worktree run that continues its session', () => {
  it('finds the files it left when it was stopped, kept on a side ref too, and commits them with the rest', async () => {
    const project = await gitRepo();
    const seen: { resumed: string | undefined; foundHalf: boolean }[] = [];
    // A fake agent: the first session writes half its work and then works until it is stopped; the continued
    // session finds the half (or not) and finishes.
    const agents: AgentRunner = {
      async run(request, hooks) {
        seen.push({ resumed: request.resumeSessionId, foundHalf: existsSync(join(request.cwd, 'half.txt')) });
        if (!request.resumeSessionId) {
          writeFileSync(join(request.cwd, 'half.txt'), 'half of the work\n');
          await hooks.onSessionStarted?.('session-1');
          await new Promise((resolve) => hooks.signal?.addEventListener('abort', resolve, { once: true }));
          return { ...result('stopped'), stopReason: 'aborted' };
        }
        writeFileSync(join(request.cwd, 'rest.txt'), 'the rest\n');
        return result('done');
      },
    };
    const store = createMemoryRunStore();
    const executionsDir = join(project, '.agent', 'workflows', 'executions');
    const executor = createExecutor({ store, agents, executionsDir, workingDir: project, controlPollMs: 20 });
    const definition = await inlineDefinition(await tempDir(), 'agentic', {
      name: 'Agentic',
      phases: ['work'],
      async execute(ctx) {
        await ctx.step('write', { phase: 'work', name: 'Write it', agent: 'claude', prompt: 'Write it' });
      },
    });
    const run = await executor.start(definition, {});
    const workspace = (await new ExecutionFiles(executionsDir, run.id).readWorkspace()) as WorktreeRecord;
    const executing = executor.execute(run.id, definition);
    await until(() => existsSync(join(workspace.path, 'half.txt')), 'the agent to write half of its work');
    await until(async () => (await store.getJournal(run.id))[0]?.agentSessionId === 'session-1', 'the session id');
    await executor.pause(run.id, { now: true });
    expect((await executing).status).toBe('paused');

    await executor.resume(run.id);
    const done = await executor.execute(run.id, definition);

    expect(done.status).toBe('completed');
    expect(seen).toEqual([
      { resumed: undefined, foundHalf: false },
      { resumed: 'session-1', foundHalf: true },
    ]);
    expect(git(project, 'show', `refs/switchyard/${run.id}/interrupted/1:half.txt`)).toBe('half of the work');
    expect(commitsOf(project, `main..${workspace.branch}`).map((c) => c.subject)).toEqual(['write: Write it']);
    expect(git(project, 'show', `${workspace.branch}:half.txt`)).toBe('half of the work');
    expect(readFileSync(join(workspace.path, 'rest.txt'), 'utf8')).toBe('the rest\n');
  });
});
