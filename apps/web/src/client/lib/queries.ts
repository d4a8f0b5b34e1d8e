/**
 * `queryOptions` factories, one per resource. Keys start with the resource, then the project, then filters:
 * `['workflow-executions', projectId, filters]`, so a WebSocket patch or an invalidation can address exactly them.
 */
import { queryOptions } from '@tanstack/react-query';
import { z } from 'zod';
import { Board, RunHistory } from '../../protocol/board.ts';
import { CommentList } from '../../protocol/comments.ts';
import { ChangeSet } from '../../protocol/diffs.ts';
import { ProjectGit, ProjectList } from '../../protocol/projects.ts';
import { RunDetail, RunPage } from '../../protocol/runs.ts';
import { WorkflowDefinitionList } from '../../protocol/templates.ts';
import { apiRequest, apiText } from './api.ts';

export interface CompletedFilters {
  status: string[];
  templateId: string | null;
  /** Searched by the server in names and args. */
  text: string;
  /** A date (`2026-12-01`): runs created on or after it. */
  since: string | null;
  limit: number;
  offset: number;
}

export const FINISHED_STATUSES = ['completed', 'failed', 'cancelled'] as const;

export const queries = {
  projects: () =>
    queryOptions({
      queryKey: ['projects'],
      queryFn: ({ signal }) => apiRequest(ProjectList, '/api/projects', { signal }),
      staleTime: 60_000,
    }),
  projectGit: (projectId: string) =>
    queryOptions({
      queryKey: ['projects', projectId, 'git'],
      queryFn: ({ signal }) => apiRequest(ProjectGit, `/api/projects/${projectId}/git`, { signal }),
      staleTime: 10_000,
    }),
  board: (projectId: string) =>
    queryOptions({
      queryKey: ['workflow-executions', projectId, { view: 'board' }],
      queryFn: ({ signal }) => apiRequest(Board, `/api/board?project_id=${projectId}`, { signal }),
      staleTime: Infinity,
    }),
  finishedRuns: (projectId: string, filters: CompletedFilters) =>
    queryOptions({
      queryKey: ['workflow-executions', projectId, { view: 'finished', ...filters }],
      queryFn: ({ signal }) => {
        const params = new URLSearchParams({
          project_id: projectId,
          status: (filters.status.length ? filters.status : FINISHED_STATUSES).join(','),
          limit: String(filters.limit),
          offset: String(filters.offset),
        });
        if (filters.templateId) params.set('workflow_definition_id', filters.templateId);
        if (filters.text.trim()) params.set('q', filters.text.trim());
        if (filters.since) params.set('created_after', filters.since);
        return apiRequest(RunPage, `/api/workflow-executions?${params}`, { signal });
      },
      placeholderData: (previous) => previous,
    }),
  run: (runId: string) =>
    queryOptions({
      queryKey: ['workflow-execution', runId],
      queryFn: ({ signal }) => apiRequest(RunDetail, `/api/workflow-executions/${runId}`, { signal }),
    }),
  runHistory: (runId: string) =>
    queryOptions({
      queryKey: ['workflow-execution', runId, 'history'],
      queryFn: ({ signal }) => apiRequest(RunHistory, `/api/workflow-executions/${runId}/history`, { signal }),
    }),
  /** A worktree run's changes: its branch against its base, the first page of files. */
  runChanges: (runId: string) =>
    queryOptions({
      queryKey: ['workflow-execution', runId, 'changes'],
      queryFn: ({ signal }) => apiRequest(ChangeSet, `/api/workflow-executions/${runId}/diff`, { signal }),
    }),
  /** One step's commit, the first page of files. */
  stepChanges: (stepRowId: string) =>
    queryOptions({
      queryKey: ['workflow-step-changes', stepRowId],
      queryFn: ({ signal }) => apiRequest(ChangeSet, `/api/workflow-steps/${stepRowId}/diff`, { signal }),
      // A step's commit never changes once journaled.
      staleTime: Infinity,
    }),
  comments: (runId: string) =>
    queryOptions({
      queryKey: ['workflow-execution', runId, 'comments'],
      queryFn: ({ signal }) => apiRequest(CommentList, `/api/workflow-executions/${runId}/comments`, { signal }),
    }),
  templates: (projectId: string) =>
    queryOptions({
      queryKey: ['workflow-definitions', projectId],
      queryFn: ({ signal }) =>
        apiRequest(WorkflowDefinitionList, `/api/workflow-definitions?project_id=${projectId}`, { signal }),
      staleTime: 10_000,
    }),
  stepLog: (stepRowId: string, type: 'input' | 'output' | 'events' | 'summary') =>
    queryOptions({
      queryKey: ['workflow-step-log', stepRowId, type],
      queryFn: async ({ signal }) => ({
        text: await apiText(
          type === 'events'
            ? `/api/board/steps/${stepRowId}/events`
            : `/api/workflow-steps/${stepRowId}/logs/${type}?follow=false`,
          signal,
        ),
        fetchedAt: Date.now(),
      }),
      staleTime: 0,
    }),
};

export const NoContent = z.undefined();
