/** Toasts for finished and failed runs and failed actions; polite live region, auto-dismissed after a while. */
import { useEffect } from 'react';
import { useWorkflowStore } from '../pages/projects/workflows/stores/workflowStore.ts';
import type { Toast } from '../pages/projects/workflows/stores/workflowStore.ts';

function ToastItem({ toast, onOpen }: { toast: Toast; onOpen(runId: string): void }) {
  const dismiss = useWorkflowStore((s) => s.dismissToast);
  useEffect(() => {
    const timer = setTimeout(() => dismiss(toast.id), toast.tone === 'danger' ? 9_000 : 5_000);
    return () => clearTimeout(timer);
  }, [dismiss, toast.id, toast.tone]);
  return (
    <div className={`toast tone-${toast.tone}`} role="status">
      <span className="toast-glyph" aria-hidden>
        {toast.tone === 'success' ? '✓' : toast.tone === 'danger' ? '✕' : 'i'}
      </span>
      <div className="toast-body">
        <strong>{toast.title}</strong>
        {toast.body && <p>{toast.body}</p>}
      </div>
      {toast.runId && (
        <button className="btn btn-ghost btn-sm" onClick={() => onOpen(toast.runId!)}>
          Open
        </button>
      )}
      <button className="icon-btn" aria-label="Dismiss" onClick={() => dismiss(toast.id)}>
        ×
      </button>
    </div>
  );
}

export function Toasts({ onOpen }: { onOpen(runId: string): void }) {
  const toasts = useWorkflowStore((s) => s.toasts);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((toast) => (
        <ToastItem key={toast.id} toast={toast} onOpen={onOpen} />
      ))}
    </div>
  );
}
