// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import type { WorkflowDefinition } from '../../../../../protocol/templates.ts';
import { RunForm } from './RunForm.tsx';

const template = {
  id: '00000000-0000-0000-0000-000000000001',
  name: 'Deploy',
  args_schema: {
    type: 'object',
    required: ['service'],
    properties: {
      service: { type: 'string', description: 'The service to deploy' },
      replicas: { type: 'integer', default: 2 },
      canary: { type: 'boolean', default: false },
      region: { type: 'string', enum: ['eu', 'us'], default: 'eu' },
      tags: { type: 'array', items: { type: 'string' } },
      limits: { type: 'object', properties: { cpu: { type: 'string', default: '500m' } } },
    },
  },
} as unknown as WorkflowDefinition;

afterEach(cleanup);

function renderForm(props: Partial<Parameters<typeof RunForm>[0]> = {}) {
  const onSubmit = vi.fn();
  render(
    <RunForm
      template={template}
      busy={false}
      errors={[]}
      formError={null}
      onSubmit={onSubmit}
      onCancel={() => undefined}
      {...props}
    />,
  );
  return onSubmit;
}

describe('the run form generated from a template’s args schema', () => {
  it('draws a field per arg with its kind, default, requiredness and description', () => {
    renderForm();
    expect(screen.getByLabelText(/^Service/).getAttribute('aria-required')).toBe('true');
    expect(screen.getByText('The service to deploy')).toBeTruthy();
    expect((screen.getByLabelText(/^Replicas/) as HTMLInputElement).type).toBe('number');
    expect((screen.getByLabelText(/^Canary/) as HTMLInputElement).type).toBe('checkbox');
    expect((screen.getByLabelText(/^Region/) as HTMLSelectElement).value).toBe('eu');
    expect((screen.getByLabelText(/^Cpu/) as HTMLInputElement).value).toBe('500m');
  });

  it('sends typed args: numbers, booleans, lists and nested objects', () => {
    const onSubmit = renderForm();
    fireEvent.change(screen.getByLabelText(/^Service/), { target: { value: 'api' } });
    fireEvent.change(screen.getByLabelText(/^Replicas/), { target: { value: '3' } });
    fireEvent.click(screen.getByLabelText(/^Canary/));
    fireEvent.change(screen.getByLabelText(/^Tags/), { target: { value: 'a\n\nb ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start run' }));
    expect(onSubmit).toHaveBeenCalledWith({
      name: undefined,
      args: { service: 'api', replicas: 3, canary: true, region: 'eu', tags: ['a', 'b'], limits: { cpu: '500m' } },
    });
  });

  it('pre-fills from a finished run’s args (Run again)', () => {
    renderForm({ initialArgs: { service: 'billing', tags: ['x', 'y'], canary: true } });
    expect((screen.getByLabelText(/^Service/) as HTMLInputElement).value).toBe('billing');
    expect((screen.getByLabelText(/^Tags/) as HTMLTextAreaElement).value).toBe('x\ny');
    expect((screen.getByLabelText(/^Canary/) as HTMLInputElement).checked).toBe(true);
  });

  it('shows the server’s validation errors at their fields, nested ones too', () => {
    renderForm({
      errors: [
        { field: 'args.service', message: 'is required' },
        { field: 'args.limits.cpu', message: 'must match 500m' },
      ],
    });
    const service = screen.getByLabelText(/^Service/);
    expect(service.getAttribute('aria-invalid')).toBe('true');
    expect(service.closest('[data-field]')!.textContent).toContain('is required');
    expect(screen.getByLabelText(/^Cpu/).closest('[data-field]')!.textContent).toContain('must match 500m');
    expect(document.activeElement).toBe(service);
  });

  it('starts with the template’s workspace and sends a worktree or in place, with a base branch, when chosen', () => {
    const onSubmit = renderForm({ git: { repository: true, branch: 'main' } });
    const mode = screen.getByLabelText('Where the run works') as HTMLSelectElement;
    const base = screen.getByLabelText(/^Base branch/) as HTMLInputElement;
    expect(mode.value).toBe('');
    expect(mode.selectedOptions[0]!.textContent).toBe('Template default — a worktree (git repository)');
    expect(base.placeholder).toBe('main');
    fireEvent.change(screen.getByLabelText(/^Service/), { target: { value: 'api' } });

    fireEvent.change(mode, { target: { value: 'worktree' } });
    fireEvent.change(base, { target: { value: ' release/2.0 ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start run' }));
    expect(onSubmit).toHaveBeenLastCalledWith(
      expect.objectContaining({
        workspace: 'worktree',
        base: 'release/2.0',
        args: expect.objectContaining({ service: 'api' }),
      }),
    );

    // In place has no base: the field is disabled and what it held is not sent.
    fireEvent.change(mode, { target: { value: 'in-place' } });
    expect(base.disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Start run' }));
    const sent = onSubmit.mock.lastCall![0] as Record<string, unknown>;
    expect(sent.workspace).toBe('in-place');
    expect(sent).not.toHaveProperty('base');
  });

  it('sends neither workspace nor base by default, and says so outside a git repository', () => {
    const onSubmit = renderForm({ git: { repository: false, branch: null } });
    expect((screen.getByLabelText('Where the run works') as HTMLSelectElement).selectedOptions[0]!.textContent).toBe(
      'Template default — in place (no git repository)',
    );
    fireEvent.change(screen.getByLabelText(/^Service/), { target: { value: 'api' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start run' }));
    const sent = onSubmit.mock.lastCall![0] as Record<string, unknown>;
    expect(sent).not.toHaveProperty('workspace');
    expect(sent).not.toHaveProperty('base');
  });

  it('shows the server’s error about the base at the base field', () => {
    renderForm({
      git: { repository: true, branch: 'main' },
      errors: [{ field: 'base', message: 'base "nope" names no branch or commit in /repo' }],
    });
    const base = screen.getByLabelText(/^Base branch/);
    expect(base.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByRole('alert').textContent).toBe('base "nope" names no branch or commit in /repo');
    expect(base.getAttribute('aria-describedby')).toBe('run-base-err');
    expect(document.activeElement).toBe(base);
  });
});
