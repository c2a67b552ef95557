//! The one-time notice that desktop notifications cannot be shown (no
//! notification service, e.g. no D-Bus session): asked for at start and
//! listened for afterwards; dismissing it hides it for the rest of the run.
//! The backend's reason is the platform's raw error (a D-Bus message), so the
//! notice says what it means in one sentence and keeps the raw text under
//! "Technical details" for bug reports. The reason is a plain string with no
//! code, and the sentence holds for every cause, so nothing branches on it.

import { useEffect, useState } from 'react';
import { getNotificationProblem, onNotificationsUnavailable } from '../ipc';

export function NotificationsNotice() {
  const [reason, setReason] = useState<string | null>(null);
  const [dismissed, setDismissed] = useState(false);

  useEffect(() => {
    let stop: (() => void) | null = null;
    let live = true;
    void onNotificationsUnavailable((r) => setReason((old) => old ?? r))
      .then((un) => {
        if (live) stop = un;
        else un();
      })
      .catch(() => {});
    getNotificationProblem()
      .then((r) => {
        if (live && r) setReason((old) => old ?? r);
      })
      .catch(() => {});
    return () => {
      live = false;
      stop?.();
    };
  }, []);

  if (!reason || dismissed) return null;
  return (
    <div className="notify-notice" role="alert" data-testid="notifications-unavailable">
      <p className="notify-notice-text">
        Desktop notifications are unavailable: Outpost cannot reach a notification service on this computer. SLA
        alerts still show on the board.
      </p>
      <details className="notify-notice-details">
        <summary>Technical details</summary>
        <code className="notify-notice-reason">{reason}</code>
      </details>
      <button type="button" className="button small" onClick={() => setDismissed(true)}>
        Dismiss
      </button>
    </div>
  );
}
