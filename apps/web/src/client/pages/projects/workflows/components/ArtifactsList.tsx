/**
 * The Artifacts tab: every file of the run as a grid of previews, by step. Upload with the button or by dropping
 * files anywhere on the tab, into the step chosen in the selector.
 */
import { useRef, useState } from 'react';
import type { Artifact } from '../../../../../protocol/artifacts.ts';
import type { Step } from '../../../../../protocol/runs.ts';
import { formatBytes, formatRelative } from '../../../../lib/format.ts';
import { EmptyState } from '../../../../components/EmptyState.tsx';
import { Icon } from '../../../../components/Icon.tsx';
import { useUploadArtifacts } from '../hooks/useArtifacts.ts';
import { ArtifactPreview, artifactUrl } from './ArtifactPreview.tsx';

export interface ArtifactsListProps {
  runId: string;
  artifacts: Artifact[];
  steps: Step[];
  defaultStepId: string | null;
}

export function ArtifactsList({ runId, artifacts, steps, defaultStepId }: ArtifactsListProps) {
  const [stepId, setStepId] = useState(defaultStepId ?? steps[0]?.id ?? '');
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const upload = useUploadArtifacts(runId);
  const stepName = (id: string) => steps.find((s) => s.id === id)?.name ?? 'an earlier attempt';
  const send = (files: FileList | null) => {
    if (!files?.length || !stepId) return;
    upload.mutate({ stepRowId: stepId, files: [...files] });
  };
  return (
    <div
      className={`artifacts${over ? ' is-over' : ''}`}
      onDragOver={(event) => {
        if (!event.dataTransfer.types.includes('Files')) return;
        event.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(event) => {
        event.preventDefault();
        setOver(false);
        send(event.dataTransfer.files);
      }}
      data-testid="artifacts-tab"
    >
      <div className="tab-bar">
        <label className="field-inline">
          Into step
          <select value={stepId} onChange={(event) => setStepId(event.target.value)} aria-label="Upload into step">
            {steps.map((step) => (
              <option key={step.id} value={step.id}>
                {step.name}
              </option>
            ))}
          </select>
        </label>
        <input
          ref={input}
          type="file"
          multiple
          hidden
          aria-label="Choose files to upload"
          data-testid="artifact-input"
          onChange={(event) => {
            send(event.target.files);
            event.target.value = '';
          }}
        />
        <button className="btn" disabled={!stepId || upload.isPending} onClick={() => input.current?.click()}>
          <Icon name="upload" /> {upload.isPending ? 'Uploading…' : 'Upload'}
        </button>
        <span className="muted">or drop files here</span>
      </div>
      {steps.length === 0 ? (
        <EmptyState title="No steps yet">Artifacts belong to a step; upload once the run has started one.</EmptyState>
      ) : artifacts.length === 0 ? (
        <EmptyState title="No artifacts yet">
          Files a step produces appear here. Drop screenshots, logs or reports on this tab to add them.
        </EmptyState>
      ) : (
        <ul className="artifact-grid">
          {artifacts.map((artifact) => (
            <li key={artifact.id} className="artifact" data-testid="artifact">
              <a href={artifactUrl(artifact)} target="_blank" rel="noreferrer" className="artifact-preview">
                <ArtifactPreview artifact={artifact} />
              </a>
              <div className="artifact-meta">
                <span className="artifact-name" title={artifact.name}>
                  {artifact.name}
                </span>
                <span className="muted">
                  {stepName(artifact.workflow_run_step_id)} · {formatBytes(artifact.size_bytes)} ·{' '}
                  {formatRelative(artifact.created_at)}
                </span>
              </div>
              <a
                className="icon-btn"
                href={artifactUrl(artifact)}
                download={artifact.name}
                aria-label={`Download ${artifact.name}`}
              >
                <Icon name="download" />
              </a>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
