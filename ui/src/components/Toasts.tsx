//! Short-lived notices ("Updated 120 tickets", errors) in a polite live region.
//! A toast may carry one action button (e.g. "Undo" after a bulk change);
//! such toasts stay longer so there is time to use it.

import { useCallback, useRef, useState } from 'react';

export type ToastAction = { label: string; title?: string; run: () => void };
export type Toast = { id: number; text: string; kind: 'info' | 'error'; action?: ToastAction };

/** How long a toast with an action (Undo) stays. */
export const ACTION_TOAST_MS = 10_000;

export function useToasts() {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const seq = useRef(0);
  const dismiss = useCallback((id: number) => setToasts((t) => t.filter((x) => x.id !== id)), []);
  const push = useCallback(
    (text: string, kind: Toast['kind'] = 'info', action?: ToastAction): number => {
      const id = ++seq.current;
      setToasts((t) => [...t, { id, text, kind, action }]);
      const ms = action ? ACTION_TOAST_MS : kind === 'error' ? 8000 : 5000;
      setTimeout(() => dismiss(id), ms);
      return id;
    },
    [dismiss],
  );
  return { toasts, push, dismiss };
}

export function Toasts({ toasts }: { toasts: Toast[] }) {
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`} data-testid="toast">
          <span>{t.text}</span>
          {t.action && (
            <>
              <span className="toast-sep" aria-hidden="true">
                ·
              </span>
              <button type="button" className="toast-action" title={t.action.title} onClick={t.action.run}>
                {t.action.label}
              </button>
            </>
          )}
        </div>
      ))}
    </div>
  );
}
