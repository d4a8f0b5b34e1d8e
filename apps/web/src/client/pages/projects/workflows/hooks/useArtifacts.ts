/** Uploading artifacts (one file per request, into a chosen step) and attaching them to comments. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { Artifact } from '../../../../../protocol/artifacts.ts';
import { Comment } from '../../../../../protocol/comments.ts';
import { apiRequest } from '../../../../lib/api.ts';
import { useWorkflowStore } from '../stores/workflowStore.ts';

export function uploadArtifact(runId: string, stepRowId: string, file: File) {
  const form = new FormData();
  // The step comes first: the server reads fields in order and needs it before the file's bytes.
  form.append('workflow_run_step_id', stepRowId);
  form.append('file', file, file.name);
  return apiRequest(Artifact, `/api/workflow-executions/${runId}/artifacts`, { method: 'POST', form });
}

export function attachArtifact(artifactId: string, commentId: string) {
  return apiRequest(Artifact, `/api/artifacts/${artifactId}/attach`, {
    method: 'PATCH',
    body: { workflow_comment_id: commentId },
  });
}

export function detachArtifact(artifactId: string) {
  return apiRequest(z.unknown(), `/api/artifacts/${artifactId}/detach`, { method: 'DELETE' });
}

export function createComment(runId: string, text: string, stepRowId: string | null) {
  return apiRequest(Comment, `/api/workflow-executions/${runId}/comments`, {
    method: 'POST',
    body: { text, workflow_run_step_id: stepRowId },
  });
}

function useRunMutation<T>(runId: string, fn: (input: T) => Promise<unknown>, failure: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => client.invalidateQueries({ queryKey: ['workflow-execution', runId] }),
    onError: (error) =>
      useWorkflowStore.getState().pushToast({
        tone: 'danger',
        title: failure,
        body: error instanceof Error ? error.message : String(error),
      }),
  });
}

export function useUploadArtifacts(runId: string) {
  return useRunMutation(
    runId,
    async ({ stepRowId, files }: { stepRowId: string; files: File[] }) => {
      const uploaded = [];
      for (const file of files) uploaded.push(await uploadArtifact(runId, stepRowId, file));
      return uploaded;
    },
    'Upload failed',
  );
}

export function useAttachArtifact(runId: string) {
  return useRunMutation(
    runId,
    ({ artifactId, commentId }: { artifactId: string; commentId: string | null }) =>
      commentId ? attachArtifact(artifactId, commentId) : detachArtifact(artifactId),
    'Could not change the attachment',
  );
}

export function useAddComment(runId: string) {
  return useRunMutation(
    runId,
    async (input: { text: string; stepRowId: string | null; files: File[]; uploadStepId: string | null }) => {
      const { text, stepRowId, files } = input;
      const comment = await createComment(runId, text, stepRowId);
      // Attachments are uploaded into the comment's step (or, for a run-level comment, the run's latest), then
      // attached: an artifact always belongs to a step.
      const target = stepRowId ?? input.uploadStepId;
      if (files.length && target) {
        for (const file of files) {
          const artifact = await uploadArtifact(runId, target, file);
          await attachArtifact(artifact.id, comment.id);
        }
      }
      return comment;
    },
    'Comment failed',
  );
}
