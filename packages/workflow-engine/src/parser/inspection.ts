/**
 * What inspecting a template answers, on both sides of the inspector's pipe (templateInspector.ts sends the
 * request, inspectorChild.mjs runs {@link inspectHere} in a process of its own): the template's snapshot — what
 * the board lists, what a run is pinned to — and, when asked, the run's args validated against its schema.
 */
import { ArgsValidationError, TemplateError } from '../errors.ts';
import type { TemplateIssue } from '../errors.ts';
import type { DefinitionSnapshot } from '../types/workflow.ts';
import { loadTemplate } from './loadTemplate.ts';
import { definitionSnapshot, validateArgs } from './WorkflowDefinition.ts';

export interface InspectionRequest {
  file: string;
  /** Present: validate these args against the template's schema and answer them parsed. */
  args?: { value: unknown };
}

export type InspectionReply =
  | { ok: true; snapshot: DefinitionSnapshot; args?: { value: unknown } }
  | { ok: false; template: TemplateIssue[] }
  | { ok: false; args: { templateId: string; issues: { path: string; message: string }[] } };

/** Loads, validates and inspects a template in this process; every failure becomes a reply, never a throw. */
export async function inspectHere(request: InspectionRequest): Promise<InspectionReply> {
  try {
    // The inspecting process enforces the time limit: it kills this one. A run's start (args to validate) reuses
    // the module this process made of the same content, as a worker executing the run does: a start then costs a
    // parse of its args instead of a compile and an import. A listing loads the file afresh.
    const definition = await loadTemplate(request.file, { timeoutMs: 2 ** 31 - 1, compiledOnce: !!request.args });
    const snapshot = definitionSnapshot(definition);
    if (!request.args) return { ok: true, snapshot };
    return { ok: true, snapshot, args: { value: validateArgs(definition, request.args.value) } };
  } catch (error) {
    if (error instanceof ArgsValidationError) {
      return { ok: false, args: { templateId: error.templateId, issues: error.issues } };
    }
    if (error instanceof TemplateError) return { ok: false, template: error.issues };
    return {
      ok: false,
      template: [{ file: request.file, path: '', message: `could not be loaded: ${String(error)}` }],
    };
  }
}

/** The reply as the error it stands for, or its result. */
export function replyResult(reply: InspectionReply): { snapshot: DefinitionSnapshot; args?: { value: unknown } } {
  if (reply.ok) return reply;
  if ('template' in reply) throw new TemplateError(reply.template);
  throw new ArgsValidationError(reply.args.templateId, reply.args.issues);
}
