//! A modal form (the Inbox's "Create ticket" and "Log a call or walk-in"):
//! title, fields, the refused submit's message, Cancel and a submit button.
//! Esc (wherever the focus is) and a click outside close it. It takes the
//! focus as it opens (its first field, or itself while loading) and gives it
//! back as it closes. While its starting values load it shows "Loading…", or
//! the loading error, instead of the form.

import { useEffect, useRef, type ReactNode } from 'react';

type Props = {
  title: string;
  /** Id of the title, which names the dialog. */
  titleId: string;
  onClose: () => void;
  onSubmit: () => void;
  /** A refused submit's (or failed load's) message, shown verbatim. */
  error: string | null;
  submitLabel: string;
  submitDisabled: boolean;
  /** `false` while the form's starting values load. */
  ready?: boolean;
  /** The fields. */
  children: ReactNode;
};

export function FormDialog({
  title,
  titleId,
  onClose,
  onSubmit,
  error,
  submitLabel,
  submitDisabled,
  ready = true,
  children,
}: Props) {
  const boxRef = useRef<HTMLDivElement>(null);
  const closeRef = useRef(onClose);
  useEffect(() => {
    closeRef.current = onClose;
  }, [onClose]);
  useEffect(() => {
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const box = boxRef.current;
    if (box && !box.contains(document.activeElement)) {
      (box.querySelector<HTMLElement>('input, select, textarea') ?? box).focus();
    }
    // Capture phase, stopped here: the view behind does not also act on it.
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        closeRef.current();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => {
      window.removeEventListener('keydown', onKey, true);
      before?.focus();
    };
  }, []);
  const errorLine = error ? (
    <p className="form-error" role="alert">
      {error}
    </p>
  ) : null;
  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <div
        ref={boxRef}
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        tabIndex={-1}
        onClick={(e) => e.stopPropagation()}
      >
        <h2 id={titleId}>{title}</h2>
        {ready ? (
          <form
            className="form-grid"
            onSubmit={(e) => {
              e.preventDefault();
              onSubmit();
            }}
          >
            {children}
            {errorLine}
            <div className="modal-actions">
              <button type="button" className="button" onClick={onClose}>
                Cancel
              </button>
              <button type="submit" className="button primary" disabled={submitDisabled}>
                {submitLabel}
              </button>
            </div>
          </form>
        ) : (
          (errorLine ?? <p className="muted">Loading…</p>)
        )}
      </div>
    </div>
  );
}
