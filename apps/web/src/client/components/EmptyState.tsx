import type { ReactNode } from 'react';

export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty">
      <div className="empty-mark" aria-hidden>
        <svg viewBox="0 0 48 48" width="40" height="40">
          <rect x="4" y="8" width="12" height="32" rx="3" />
          <rect x="18" y="8" width="12" height="22" rx="3" />
          <rect x="32" y="8" width="12" height="14" rx="3" />
        </svg>
      </div>
      <h3>{title}</h3>
      {children && <p>{children}</p>}
      {action}
    </div>
  );
}
