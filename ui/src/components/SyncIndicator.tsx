//! The sync indicator at the foot of the sidebar: a dot and one line
//! ("Online · synced 2 min ago", "Offline · 3 pending changes", "Syncing…",
//! "Local only"). It toggles a popover dialog with the details, "Sync now",
//! the conflicts (each linking to its ticket) and "Sign out".

import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { syncNow, toIpcError, type SyncConflict, type SyncStatus } from '../ipc';
import { formatExact, relativeTime } from '../lib/format';
import { STATE_LABEL, conflictKindLabel, plural, splitFieldValue, syncSummary } from '../lib/sync';

type Props = {
  /** `undefined` while loading; `null` = local-only mode. */
  status: SyncStatus | null | undefined;
  now: number;
  onOpenTicket: (ticketId: string) => void;
  onConnect: () => void;
  onSignOut: () => Promise<void>;
};

export function SyncIndicator({ status, now, onOpenTicket, onConnect, onSignOut }: Props) {
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const popRef = useRef<HTMLDivElement>(null);
  const id = useId();
  const popId = `${id}-sync`;

  useEffect(() => {
    if (!open) return;
    popRef.current?.focus();
    const onDown = (e: MouseEvent) => {
      const t = e.target as Node;
      if (!popRef.current?.contains(t) && !buttonRef.current?.contains(t)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  if (status === undefined) return <div className="sync-indicator is-loading" aria-hidden="true" />;
  const { tone, text } = syncSummary(status, now);
  const conflicts = status?.conflicts.length ?? 0;

  const close = () => {
    setOpen(false);
    buttonRef.current?.focus();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close();
    }
  };

  return (
    <div className="sync">
      <button
        ref={buttonRef}
        type="button"
        className={`sync-indicator tone-${tone}`}
        aria-expanded={open}
        aria-haspopup="dialog"
        aria-controls={open ? popId : undefined}
        data-testid="sync-indicator"
        onClick={() => setOpen((o) => !o)}
      >
        <span className="sync-dot" aria-hidden="true" />
        <span className="sync-text">{text}</span>
        {conflicts > 0 && (
          <span className="sync-count" title={plural(conflicts, 'conflict')}>
            {conflicts}
            <span className="visually-hidden"> {conflicts === 1 ? 'conflict' : 'conflicts'}</span>
          </span>
        )}
      </button>
      {status === null && !open && (
        <button type="button" className="link-button sync-connect" onClick={onConnect}>
          Connect to a server
        </button>
      )}
      {open && (
        <div
          ref={popRef}
          id={popId}
          className="sync-popover"
          role="dialog"
          aria-labelledby={`${popId}-title`}
          tabIndex={-1}
          onKeyDown={onKeyDown}
        >
          <div className="sync-pop-head">
            <h2 id={`${popId}-title`}>Sync</h2>
            <button type="button" className="icon-button sync-close" aria-label="Close" onClick={close}>
              ×
            </button>
          </div>
          {status === null ? (
            <LocalOnly
              onConnect={() => {
                setOpen(false);
                onConnect();
              }}
            />
          ) : (
            <SignedIn
              status={status}
              now={now}
              onOpenTicket={(tid) => {
                setOpen(false);
                onOpenTicket(tid);
              }}
              onSignOut={async () => {
                await onSignOut();
                setOpen(false);
              }}
            />
          )}
        </div>
      )}
    </div>
  );
}

function LocalOnly({ onConnect }: { onConnect: () => void }) {
  return (
    <div className="sync-pop-body">
      <p className="sync-note">
        <span className={`sync-state tone-local`}>
          <span className="sync-dot" aria-hidden="true" /> Local only
        </span>
      </p>
      <p className="muted">
        Outpost is not connected to a server. Everything you do is saved on this device; connect to share tickets with your
        team. Your local data is kept when you connect.
      </p>
      <div className="sync-actions">
        <button type="button" className="button primary" onClick={onConnect}>
          Connect to a server
        </button>
      </div>
    </div>
  );
}

function SignedIn({
  status,
  now,
  onOpenTicket,
  onSignOut,
}: {
  status: SyncStatus;
  now: number;
  onOpenTicket: (id: string) => void;
  onSignOut: () => Promise<void>;
}) {
  const [busy, setBusy] = useState<'sync' | 'signout' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { tone } = syncSummary(status, now);
  const run = async (what: 'sync' | 'signout') => {
    setBusy(what);
    setError(null);
    try {
      if (what === 'sync') await syncNow();
      else await onSignOut();
    } catch (e) {
      setError(toIpcError(e).message);
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="sync-pop-body">
      <dl className="sync-fields">
        <dt>State</dt>
        <dd data-testid="sync-state">
          <span className={`sync-state tone-${tone}`}>
            <span className="sync-dot" aria-hidden="true" /> {STATE_LABEL[status.state]}
          </span>
        </dd>
        <dt>Pending changes</dt>
        <dd data-testid="sync-pending">{status.pending === 0 ? 'None' : plural(status.pending, 'change')}</dd>
        <dt>Last sync</dt>
        <dd data-testid="sync-last">
          {status.lastSyncAt ? (
            <time dateTime={status.lastSyncAt}>{formatExact(status.lastSyncAt)}</time>
          ) : (
            'Never'
          )}
        </dd>
        {status.lastError && (
          <>
            <dt>Last error</dt>
            <dd className="sync-error" data-testid="sync-error">
              {status.lastError}
            </dd>
          </>
        )}
      </dl>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="sync-actions">
        <button
          type="button"
          className="button primary"
          disabled={busy !== null || status.state === 'syncing'}
          aria-busy={busy === 'sync' || status.state === 'syncing'}
          onClick={() => void run('sync')}
        >
          {busy === 'sync' || status.state === 'syncing' ? 'Syncing…' : 'Sync now'}
        </button>
        <button type="button" className="button" disabled={busy !== null} onClick={() => void run('signout')}>
          {busy === 'signout' ? 'Signing out…' : 'Sign out'}
        </button>
      </div>
      <section className="sync-conflicts" aria-labelledby="sync-conflicts-title">
        <h3 id="sync-conflicts-title">
          Conflicts <span className="muted">{status.conflicts.length}</span>
        </h3>
        {status.conflicts.length === 0 ? (
          <p className="muted small">No conflicts. Every change merged cleanly.</p>
        ) : (
          <ul className="conflict-list" aria-label="Sync conflicts">
            {status.conflicts.map((c, i) => (
              <ConflictItem key={`${c.at}-${i}`} c={c} now={now} onOpenTicket={onOpenTicket} />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function ConflictItem({ c, now, onOpenTicket }: { c: SyncConflict; now: number; onOpenTicket: (id: string) => void }) {
  const label = c.ticketNumber ?? 'New ticket (unsynced)';
  const kept = splitFieldValue(c.kept);
  const lost = splitFieldValue(c.lost);
  return (
    <li className={`conflict kind-${c.kind}`} data-testid="sync-conflict">
      <div className="conflict-head">
        <span className={`conflict-kind kind-${c.kind}`}>{conflictKindLabel(c)}</span>
        {c.ticketId ? (
          <button type="button" className="link-button conflict-ticket" onClick={() => onOpenTicket(c.ticketId!)}>
            {label}
          </button>
        ) : (
          <span className="conflict-ticket">{label}</span>
        )}
        <time className="muted small conflict-time" dateTime={c.at} title={formatExact(c.at)}>
          {relativeTime(c.at, now)}
        </time>
      </div>
      {c.kind === 'conflict' ? (
        <div className="conflict-values">
          {kept.field && <span className="conflict-field">{kept.field}</span>}
          <span>
            <span className="muted">kept</span> <strong>{kept.value}</strong>
          </span>
          <span>
            <span className="muted">lost</span> <s>{lost.field && lost.field !== kept.field ? `${lost.field}=` : ''}{lost.value}</s>
          </span>
        </div>
      ) : (
        <div className="conflict-values">
          <span>
            <span className="muted">Change rejected:</span> {c.lost ?? 'No reason given'}
            {c.kept && <code className="conflict-code"> ({c.kept})</code>}
          </span>
        </div>
      )}
    </li>
  );
}
