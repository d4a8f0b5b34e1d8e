/**
 * A template whose args use every kind the run form draws: text, number, boolean, enum, a list and a nested
 * object, with required fields, defaults and descriptions.
 */
import { defineWorkflow } from '@switchyard/workflow-engine';
import { z } from 'zod';

export default defineWorkflow({
  name: 'Configured deploy',
  description: 'Deploys with a full set of options.',
  phases: ['plan', 'deploy'],
  args: z.object({
    service: z.string().min(1).describe('The service to deploy'),
    replicas: z.number().int().min(1).max(10).default(2).describe('How many instances to run'),
    canary: z.boolean().default(false).describe('Send 5% of traffic first'),
    region: z.enum(['eu-west', 'us-east']).default('eu-west').describe('Where it runs'),
    tags: z.array(z.string()).default([]).describe('Labels for the deploy'),
    limits: z
      .object({
        cpu: z.string().default('500m').describe('CPU per instance'),
        memory_mb: z.number().int().default(512).describe('Memory per instance, in MB'),
      })
      .describe('Resource limits'),
  }),
  async execute(ctx, args) {
    await ctx.step('plan', {
      phase: 'plan',
      name: 'Plan the deploy',
      run: () => ({ service: args.service, replicas: args.replicas, region: args.region }),
    });
    await ctx.step('deploy', {
      phase: 'deploy',
      name: 'Deploy',
      command: ['node', '-e', 'console.log("deployed", process.argv[1])', args.service],
    });
  },
});
