/** Templates: every template of the project with its phases and use count; invalid ones with their error. */
import type { WorkflowDefinition } from '../../../../../protocol/templates.ts';
import { EmptyState } from '../../../../components/EmptyState.tsx';
import { Icon } from '../../../../components/Icon.tsx';
import { Skeleton } from '../../../../components/Skeleton.tsx';

export interface WorkflowTemplatesPageProps {
  templates: WorkflowDefinition[] | undefined;
  onRun(template: WorkflowDefinition): void;
}

export function WorkflowTemplatesPage({ templates, onRun }: WorkflowTemplatesPageProps) {
  if (!templates) {
    return (
      <div className="template-grid">
        {[0, 1, 2].map((i) => (
          <div className="template-card" key={i}>
            <Skeleton width="50%" height={18} />
            <Skeleton width="80%" />
            <Skeleton width="60%" />
          </div>
        ))}
      </div>
    );
  }
  if (templates.length === 0) {
    return (
      <EmptyState title="No templates yet">
        Add a template to <code>.agent/workflows/definitions/</code> as a <code>.ts</code> or <code>.yaml</code> file;
        it appears here as soon as it is saved.
      </EmptyState>
    );
  }
  return (
    <ul className="template-grid" aria-label="Templates">
      {templates.map((template) => (
        <li
          key={template.id}
          className={`template-card${template.valid ? '' : ' is-invalid'}`}
          data-testid="template-card"
          data-template={template.identifier}
        >
          <div className="template-head">
            <h3>{template.name}</h3>
            <span className={`chip lang-${template.type}`}>{template.type === 'code' ? 'TS' : 'YAML'}</span>
          </div>
          {template.description && <p className="template-desc">{template.description}</p>}
          {template.valid ? (
            <ol className="phase-strip" aria-label="Phases">
              {template.phases.map((phase) => (
                <li key={phase.id} className={phase.gate ? 'is-gate' : undefined}>
                  {phase.gate && <Icon name="gate" size={12} />} {phase.label}
                </li>
              ))}
            </ol>
          ) : (
            <pre className="template-error" role="alert">
              {template.error}
            </pre>
          )}
          <div className="template-foot">
            <span className="muted mono">{template.path.split('/').slice(-1)[0]}</span>
            <span className="muted">
              used {template.times_used} time{template.times_used === 1 ? '' : 's'}
            </span>
            <span className="toolbar-spacer" />
            <button className="btn btn-primary btn-sm" disabled={!template.valid} onClick={() => onRun(template)}>
              Run
            </button>
          </div>
        </li>
      ))}
    </ul>
  );
}
