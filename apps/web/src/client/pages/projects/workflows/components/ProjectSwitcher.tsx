import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import type { Project } from '../../../../../protocol/projects.ts';

/** The project switcher: every project the server knows; picking one opens its board. */
export function ProjectSwitcher(props: { projects: Project[]; currentId: string; onSelect(id: string): void }) {
  const current = props.projects.find((p) => p.id === props.currentId);
  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger className="project-switcher" aria-label="Switch project">
        <span className="project-avatar" aria-hidden>
          {(current?.name ?? '?').slice(0, 1).toUpperCase()}
        </span>
        <span className="project-name">{current?.name ?? 'Project'}</span>
        <span aria-hidden className="caret">
          ▾
        </span>
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content className="menu" align="start" sideOffset={6}>
          <DropdownMenu.Label className="menu-label">Projects</DropdownMenu.Label>
          {props.projects.map((project) => (
            <DropdownMenu.Item key={project.id} className="menu-item" onSelect={() => props.onSelect(project.id)}>
              <span>
                <strong>{project.name}</strong>
                <span className="menu-sub mono">{project.path}</span>
              </span>
              {project.id === props.currentId && <span aria-label="current">✓</span>}
            </DropdownMenu.Item>
          ))}
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}
