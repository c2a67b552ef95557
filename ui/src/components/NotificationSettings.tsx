//! Settings > Notifications: which desktop alerts this agent gets (SLA alerts
//! for my tickets and unassigned Urgent/High ones, @mentions, assignments),
//! quiet hours, and keeping the app in the tray when the window closes.
//! Saved on this device (the store), every agent may edit their own.

import { useEffect, useState } from 'react';
import { getNotificationPrefs, saveNotificationPrefs, toIpcError, type NotificationPrefs } from '../ipc';
import { ALERT_FIELDS, QUIET_FIELD, TRAY_FIELD, type PrefField } from '../lib/notifications';

function Check({
  field,
  prefs,
  onChange,
}: {
  field: PrefField;
  prefs: NotificationPrefs;
  onChange: (p: NotificationPrefs) => void;
}) {
  const id = `pref-${field.key}`;
  return (
    <div className="pref-row">
      <label className="check" htmlFor={id}>
        <input
          id={id}
          type="checkbox"
          checked={prefs[field.key]}
          aria-describedby={`${id}-hint`}
          onChange={(e) => onChange({ ...prefs, [field.key]: e.target.checked })}
        />
        {field.label}
      </label>
      <span id={`${id}-hint`} className="muted small pref-hint">
        {field.hint}
      </span>
    </div>
  );
}

export function NotificationSettings() {
  const [saved, setSaved] = useState<NotificationPrefs | null>(null);
  const [draft, setDraft] = useState<NotificationPrefs | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    getNotificationPrefs()
      .then((p) => {
        setSaved(p);
        setDraft(p);
      })
      .catch((e) => setLoadError(toIpcError(e).message));
  }, []);

  const dirty = JSON.stringify(draft) !== JSON.stringify(saved);
  const edit = (p: NotificationPrefs) => {
    setDraft(p);
    setNotice(null);
    setError(null);
  };
  const save = async () => {
    if (!draft) return;
    setSaving(true);
    setError(null);
    try {
      const p = await saveNotificationPrefs(draft);
      setSaved(p);
      setDraft(p);
      setNotice('Notification settings saved.');
    } catch (e) {
      setError(toIpcError(e).message);
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
      <div className="settings-scroll">
        <div className="settings-page">
          <div className="settings-intro">
            <h2>Notifications</h2>
            <p className="muted">
              Desktop alerts arrive before a ticket breaches its SLA, even offline and with the window closed. These
              settings apply to you on this device.
            </p>
          </div>
          {loadError && (
            <p className="form-error" role="alert">
              {loadError}
            </p>
          )}
          {!draft && !loadError && <p className="muted">Loading…</p>}
          {draft && (
            <fieldset className="plain settings-form" disabled={saving}>
              <legend className="visually-hidden">Notification settings</legend>
              <section className="settings-section" aria-labelledby="alerts-title">
                <div className="section-head">
                  <h3 id="alerts-title">Alert me about</h3>
                </div>
                {ALERT_FIELDS.map((f) => (
                  <Check key={f.key} field={f} prefs={draft} onChange={edit} />
                ))}
              </section>
              <section className="settings-section" aria-labelledby="quiet-title">
                <div className="section-head">
                  <h3 id="quiet-title">Quiet hours</h3>
                </div>
                <Check field={QUIET_FIELD} prefs={draft} onChange={edit} />
              </section>
              <section className="settings-section" aria-labelledby="tray-title">
                <div className="section-head">
                  <h3 id="tray-title">Tray</h3>
                </div>
                <Check field={TRAY_FIELD} prefs={draft} onChange={edit} />
              </section>
            </fieldset>
          )}
        </div>
      </div>
      {draft && (
        <footer className="settings-bar">
          <div className="settings-bar-status" aria-live="polite">
            {error ? (
              <span className="form-error server-error" role="alert">
                {error}
              </span>
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
          <button
            type="button"
            className="button"
            disabled={!dirty || saving}
            onClick={() => {
              setDraft(saved);
              setError(null);
              setNotice(null);
            }}
          >
            Discard
          </button>
          <button type="button" className="button primary" disabled={!dirty || saving} onClick={() => void save()}>
            {saving ? 'Saving…' : 'Save'}
          </button>
        </footer>
      )}
    </>
  );
}
