//! The one-time notice that desktop notifications cannot be shown (no
//! notification service, e.g. no D-Bus session): asked for at start and
//! listened for afterwards; dismissing it hides it for the rest of the run.

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
      <span>
        Desktop notifications are unavailable:{' '}
        <span className="notify-notice-reason">{reason.replace(/[.\s]+$/, '')}</span>. SLA alerts
        still show on the board.
      </span>
      <button type="button" className="button small" onClick={() => setDismissed(true)}>
        Dismiss
      </button>
    </div>
  );
}
