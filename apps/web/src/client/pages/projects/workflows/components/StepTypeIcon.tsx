import type { StepType } from '@switchyard/workflow-engine/vocabulary';

const LABEL: Record<StepType, string> = {
  agent: 'Agent step',
  script: 'Script step',
  function: 'Function step',
  artifact: 'Artifact',
  sleep: 'Sleep',
  input: 'Input from a person',
  event: 'Event from outside',
};

/**
 * The kind of a step at a glance: a spark for agents, a prompt for scripts, braces for functions, a page for an
 * artifact, a clock for a sleep.
 */
export function StepTypeIcon({ type }: { type: StepType }) {
  return (
    <span className={`step-type step-type-${type}`} title={LABEL[type]} aria-label={LABEL[type]} role="img">
      <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden>
        {type === 'agent' && <path d="M8 1.5l1.6 4.1 4.4.4-3.4 2.8 1.1 4.3L8 10.8 4.3 13.1l1.1-4.3L2 6l4.4-.4z" />}
        {type === 'script' && <path d="M2.5 4l4 4-4 4M8 12.5h5.5" fill="none" strokeWidth="1.6" />}
        {type === 'function' && (
          <path
            d="M6 2.5C4 2.5 4.5 7 3 8c1.5 1 1 5.5 3 5.5M10 2.5c2 0 1.5 4.5 3 5.5-1.5 1-1 5.5-3 5.5"
            fill="none"
            strokeWidth="1.5"
          />
        )}
        {type === 'artifact' && <path d="M4 1.5h5.5L12.5 4.5v10h-8.5zM9.5 1.5v3h3" fill="none" strokeWidth="1.4" />}
        {type === 'input' && <path d="M2.5 3.5h11v7h-6l-3 2.5v-2.5h-2z" fill="none" strokeWidth="1.4" />}
        {type === 'event' && <path d="M9 1.5L3.5 9H8l-1 5.5L12.5 7H8z" fill="none" strokeWidth="1.4" />}
        {type === 'sleep' && (
          <path d="M8 2a6 6 0 1 0 0 12A6 6 0 0 0 8 2zM8 4.5V8l2.5 1.5" fill="none" strokeWidth="1.4" />
        )}
      </svg>
    </span>
  );
}
