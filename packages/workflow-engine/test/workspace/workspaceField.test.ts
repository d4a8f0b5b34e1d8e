import { describe, expect, it } from 'vitest';
import { TemplateError } from '../../src/errors.ts';
import { definitionFromConfig, definitionSnapshot } from '../../src/parser/WorkflowDefinition.ts';
import { parseYamlTemplate } from '../../src/parser/YamlParser.ts';

const yaml = (workspace: string) => `name: Edit
phases: [work]
workspace: ${workspace}
steps:
  - id: edit
    phase: work
    command: "true"
`;

function thrown(make: () => unknown): TemplateError {
  try {
    make();
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error('expected a TemplateError');
}

describe('a template’s workspace', () => {
  it('is read from YAML and pinned with the run’s snapshot', () => {
    const definition = parseYamlTemplate(yaml('in-place'), 'edit.yaml');
    expect(definition.workspace).toBe('in-place');
    expect(definitionSnapshot(definition).workspace).toBe('in-place');
    expect(parseYamlTemplate(yaml('worktree'), 'edit.yaml').workspace).toBe('worktree');
  });

  it('names the file, line and column of a YAML value that is neither worktree nor in-place', () => {
    const error = thrown(() => parseYamlTemplate(yaml('sideways'), 'edit.yaml'));
    expect(error.message).toMatch(/^edit\.yaml:3:12 workspace: .*"worktree".*"in-place"/m);
  });

  it('is checked in a TypeScript template’s defineWorkflow options', () => {
    const source = { type: 'code' as const, path: 'edit.ts', contentHash: 'x' };
    const config = { name: 'Edit', phases: ['work'], execute: async () => null };
    expect(definitionFromConfig({ ...config, workspace: 'worktree' } as never, source).workspace).toBe('worktree');
    const error = thrown(() => definitionFromConfig({ ...config, workspace: 'copy' } as never, source));
    expect(error.message).toMatch(/^edit\.ts workspace: /m);
  });
});
