/** An artifact's preview: images and videos inline, text-like files as their first lines, a file card otherwise. */
import { useQuery } from '@tanstack/react-query';
import type { Artifact } from '../../../../../protocol/artifacts.ts';
import { formatBytes } from '../../../../lib/format.ts';
import { Icon } from '../../../../components/Icon.tsx';

const TEXT_PREVIEW_BYTES = 4_096;

export const artifactUrl = (artifact: Pick<Artifact, 'id'>) => `/api/artifacts/${artifact.id}`;

function isTextLike(artifact: Artifact): boolean {
  return (
    artifact.mime_type.startsWith('text/') ||
    ['application/json', 'application/x-ndjson', 'application/yaml'].includes(artifact.mime_type) ||
    /\.(md|log|txt|json|ya?ml|csv|diff|patch)$/i.test(artifact.name)
  );
}

function TextPreview({ artifact }: { artifact: Artifact }) {
  const { data } = useQuery({
    queryKey: ['artifact-preview', artifact.id],
    queryFn: async ({ signal }) => {
      const response = await fetch(artifactUrl(artifact), {
        headers: { range: `bytes=0-${TEXT_PREVIEW_BYTES - 1}` },
        signal,
      });
      return response.ok ? response.text() : '';
    },
    staleTime: Infinity,
  });
  return <pre className="artifact-text">{data ?? ''}</pre>;
}

export function ArtifactPreview({ artifact, compact = false }: { artifact: Artifact; compact?: boolean }) {
  if (artifact.mime_type.startsWith('image/') && artifact.mime_type !== 'image/svg+xml') {
    return <img className="artifact-image" src={artifactUrl(artifact)} alt={artifact.name} loading="lazy" />;
  }
  if (artifact.mime_type.startsWith('video/') && !compact) {
    return <video className="artifact-video" src={artifactUrl(artifact)} controls preload="metadata" />;
  }
  if (isTextLike(artifact) && !compact) return <TextPreview artifact={artifact} />;
  return (
    <div className="artifact-file">
      <Icon name="clip" size={20} />
      <span>{artifact.mime_type}</span>
      <span className="muted">{formatBytes(artifact.size_bytes)}</span>
    </div>
  );
}
