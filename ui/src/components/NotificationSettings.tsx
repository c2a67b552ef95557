//! Settings > Notifications: which desktop alerts this agent gets (SLA alerts
//! for my tickets and unassigned Urgent/High ones, @mentions, assignments),
//! quiet hours, and keeping the app in the tray when the window closes.
//! Saved on this device (the store), every agent may edit their own.

import { useEffect, useState } from 'react';
import { getNotificationPrefs, saveNotificationPrefs, toIpcError, type NotificationPrefs } from '../ipc';
import { ALERT_FIELDS, QUIET_FIELD, TRAY_FIELD, type PrefField } from '../lib/notifications';
import { useDraft } from '../lib/useDraft';
import { SaveBar } from './SaveBar';

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
  const prefs = useDraft<NotificationPrefs>();
  const { draft, saving, load } = prefs;
  const [loadError, setLoadError] = useState<string | null>(null);

  useEffect(() => {
    getNotificationPrefs()
      .then(load)
      .catch((e) => setLoadError(toIpcError(e).message));
  }, [load]);

  const edit = (p: NotificationPrefs) => {
    prefs.edit(() => p);
    prefs.setError(null);
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
        <SaveBar state={prefs} onSave={() => void prefs.save(saveNotificationPrefs, 'Notification settings saved.')} />
      )}
    </>
  );
}
