/** The runs the pages show: the board's compact cards, and the finished runs' table. */
import { useQuery } from '@tanstack/react-query';
import { queries } from '../../../../lib/queries.ts';
import type { CompletedFilters } from '../../../../lib/queries.ts';

export function useBoard(projectId: string) {
  return useQuery(queries.board(projectId));
}

export function useFinishedRuns(projectId: string, filters: CompletedFilters) {
  return useQuery(queries.finishedRuns(projectId, filters));
}

export function useTemplates(projectId: string) {
  return useQuery(queries.templates(projectId));
}

export function useProjects() {
  return useQuery(queries.projects());
}

export function useRun(runId: string | null) {
  return useQuery({ ...queries.run(runId ?? ''), enabled: runId !== null });
}

export function useRunHistory(runId: string | null) {
  return useQuery({ ...queries.runHistory(runId ?? ''), enabled: runId !== null });
}
