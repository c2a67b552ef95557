//! Settings edited as a draft and saved as a whole (SLA policies, rules,
//! notification preferences). Words: *saved* is what the backend last
//! returned; the *draft* is what the page shows and edits; it is *dirty* when
//! the two differ; the *notice* is the note a successful save leaves until
//! the next edit; the *error* is a refused save's message, shown verbatim.
//! `SaveBar` shows this state and offers Save and Discard.

import { useCallback, useMemo, useState } from 'react';
import { toIpcError } from '../ipc';

export type Draft<T> = {
  saved: T | null;
  draft: T | null;
  dirty: boolean;
  saving: boolean;
  error: string | null;
  notice: string | null;
  /** Takes `value` as both saved and draft (after loading it). */
  load: (value: T) => void;
  /** Changes the draft (nothing while there is none) and clears the notice. */
  edit: (change: (draft: T) => T) => void;
  /** Shows a message where a refused save's would be (or clears it). */
  setError: (message: string | null) => void;
  /** Stores the draft with `persist`; what it returns becomes saved and draft, and `notice` is shown. */
  save: (persist: (draft: T) => Promise<T>, notice: string) => Promise<void>;
  /** Back to the saved value, without error or notice. */
  discard: () => void;
};

export function useDraft<T>(): Draft<T> {
  const [saved, setSaved] = useState<T | null>(null);
  const [draft, setDraft] = useState<T | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  // Drafts are small plain data from the backend: comparing their JSON is
  // exact, since edits copy objects and so keep their key order.
  const dirty = useMemo(() => JSON.stringify(draft) !== JSON.stringify(saved), [draft, saved]);

  const load = useCallback((value: T) => {
    setSaved(value);
    setDraft(value);
  }, []);
  const edit = useCallback((change: (draft: T) => T) => {
    setDraft((d) => (d === null ? d : change(d)));
    setNotice(null);
  }, []);
  const save = async (persist: (draft: T) => Promise<T>, savedNotice: string) => {
    if (draft === null) return;
    setSaving(true);
    setError(null);
    try {
      const value = await persist(draft);
      setSaved(value);
      setDraft(value);
      setNotice(savedNotice);
    } catch (e) {
      setError(toIpcError(e).message);
    } finally {
      setSaving(false);
    }
  };
  const discard = () => {
    setDraft(saved);
    setError(null);
    setNotice(null);
  };

  return { saved, draft, dirty, saving, error, notice, load, edit, setError, save, discard };
}
