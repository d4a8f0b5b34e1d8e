/**
 * Implement a feature: an agent researches the codebase, a plan is drawn from what it found, an agent
 * implements the plan, and the project's tests run unless skipped.
 *
 *   npx switchyard run implement-feature --arg feature="Add a --verbose flag" --follow
 */
import { defineWorkflow } from '@switchyard/workflow-engine';
import { z } from 'zod';

export default defineWorkflow({
  name: 'Implement feature',
  description: 'Research, plan, implement with an agent, then test.',
  phases: ['research', 'plan', 'implement', 'test'],
  args: z.object({
    feature: z.string().min(1).describe('What to build, in a sentence or two'),
    agent: z.enum(['claude', 'codex', 'gemini']).default('claude').describe('Which agent CLI does the work'),
    testCommand: z.string().default('npm test').describe('The command that runs the tests'),
    skipTests: z.boolean().default(false).describe('Skip the test phase'),
  }),
  async execute(ctx, args) {
    const inventory = await ctx.step('list-files', {
      phase: 'research',
      name: 'List the project files',
      command: [
        'find',
        '.',
        '-maxdepth',
        '2',
        '-type',
        'f',
        '-not',
        '-path',
        './node_modules/*',
        '-not',
        '-path',
        './.git/*',
      ],
    });

    const research = await ctx.step<{ text: string }>('research-codebase', {
      phase: 'research',
      name: 'Research the codebase',
      agent: args.agent,
      prompt: [
        `We are going to implement this feature: ${args.feature}`,
        'Study the codebase and list the files and functions that matter for it, with one line on each.',
        `The project's files:\n${(inventory.data as { stdout: string }).stdout}`,
      ].join('\n\n'),
      allowedTools: ['Read', 'Grep', 'Glob'],
    });

    const plan = await ctx.step('create-plan', {
      phase: 'plan',
      name: 'Draw up the plan',
      run: () => ({
        feature: args.feature,
        findings: research.data.text,
        steps: [
          'change the code',
          'add or update tests',
          args.skipTests ? 'skip the test run' : `run \`${args.testCommand}\``,
        ],
      }),
    });

    const implementation = await ctx.step<{ text: string }>('implement', {
      phase: 'implement',
      name: 'Implement the plan',
      agent: args.agent,
      prompt: `Implement this plan, then summarise what you changed.\n\n${JSON.stringify(plan.data, null, 2)}`,
      allowedTools: ['Read', 'Edit', 'Write', 'Bash'],
      retries: 1,
    });

    if (args.skipTests) {
      await ctx.skip('run-tests', { phase: 'test', name: 'Run the tests', type: 'script', reason: 'skipTests is set' });
    } else {
      await ctx.step('run-tests', {
        phase: 'test',
        name: 'Run the tests',
        command: args.testCommand,
        timeoutMs: 15 * 60_000,
      });
    }

    await ctx.comment(`Implemented: ${args.feature}`);
    return { summary: implementation.data.text, tested: !args.skipTests };
  },
});
