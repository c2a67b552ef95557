//! The bar under a settings page edited as a draft (`useDraft`): what state
//! the draft is in (a refused save, a problem to fix first, saved, unsaved
//! changes) and the Discard and Save buttons.

import type { Draft } from '../lib/useDraft';

type Props = {
  state: Pick<Draft<unknown>, 'dirty' | 'saving' | 'error' | 'notice' | 'discard'>;
  onSave: () => void;
  /** Why the draft cannot be saved yet; Save stays disabled while there is one. */
  problem?: string | null;
  /** `data-testid` of the refused save's message. */
  errorTestId?: string;
};

export function SaveBar({ state, onSave, problem = null, errorTestId }: Props) {
  const { dirty, saving, error, notice, discard } = state;
  return (
    <footer className="settings-bar">
      <div className="settings-bar-status" aria-live="polite">
        {error ? (
          <span className="form-error server-error" role="alert" data-testid={errorTestId}>
            {error}
          </span>
        ) : problem ? (
          <span className="field-error">{problem}</span>
        ) : notice ? (
          <span className="saved-note" role="status">
            {notice}
          </span>
        ) : dirty ? (
          <span className="muted">Unsaved changes</span>
        ) : (
          <span className="muted">All changes saved</span>
        )}
      </div>
      <button type="button" className="button" disabled={!dirty || saving} onClick={discard}>
        Discard
      </button>
      <button type="button" className="button primary" disabled={!dirty || saving || !!problem} onClick={onSave}>
        {saving ? 'Saving…' : 'Save'}
      </button>
    </footer>
  );
}
