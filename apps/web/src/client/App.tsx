/** The board's routes: a project's workflows page; anything else opens the first project the server lists. */
import { useEffect } from 'react';
import { matchProject, navigate, useLocation } from './lib/router.ts';
import { useProjects } from './pages/projects/workflows/hooks/useWorkflowRuns.ts';
import { WorkflowsPage } from './pages/projects/workflows/WorkflowsPage.tsx';

function OpenDefaultProject() {
  const projects = useProjects();
  const first = projects.data?.data[0];
  useEffect(() => {
    if (first) navigate(`/projects/${first.id}/workflows`, { replace: true });
  }, [first]);
  return <div className="boot">{projects.isError ? projects.error.message : 'Opening the project…'}</div>;
}

export function App() {
  const { pathname } = useLocation();
  const projectId = matchProject(pathname);
  return projectId ? <WorkflowsPage key={projectId} projectId={projectId} /> : <OpenDefaultProject />;
}
