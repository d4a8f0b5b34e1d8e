export type * from './types/workflow.ts';
export type * from './types/step.ts';
export type * from './types/context.ts';
export type * from './ports.ts';
export * from './errors.ts';
