//! Sync state for the UI: the status hook (initial `get_sync_status`, then
//! every `sync-status` event, re-read on `tickets-changed` for the pending count), the one-line summary the sidebar shows, and the
//! sign-in form's checks and error wording.

import { useCallback, useEffect, useRef, useState } from 'react';
import { getSyncStatus, onSyncStatus, onTicketsChanged, type SyncConflict, type SyncStatus } from '../ipc';
import { relativeTime } from './format';

export type SyncState = {
  /** `undefined` while loading; `null` in local-only mode. */
  status: SyncStatus | null | undefined;
  /** Reads `get_sync_status` again (after sign-in / sign-out). */
  refresh: () => Promise<void>;
  set: (s: SyncStatus | null) => void;
};

export function useSyncStatus(): SyncState {
  const [status, setStatus] = useState<SyncStatus | null | undefined>(undefined);
  // Counts `sync-status` events: a `get_sync_status` answer that an event
  // overtook is older than what the event said (it may still read
  // "syncing" after the sync ended) and is dropped.
  const events = useRef(0);
  const refresh = useCallback(async () => {
    const seen = events.current;
    let next: SyncStatus | null;
    try {
      next = await getSyncStatus();
    } catch {
      next = null;
    }
    if (events.current === seen) setStatus(next);
  }, []);
  useEffect(() => {
    const unlisten: (() => void)[] = [];
    let live = true;
    const keep = (p: Promise<() => void>) =>
      p
        .then((u) => {
          if (live) unlisten.push(u);
          else u();
        })
        .catch(() => undefined);
    void refresh();
    keep(
      onSyncStatus((s) => {
        events.current += 1;
        if (live) setStatus(s);
      }),
    );
    // A local change adds to the pending count between sync attempts.
    keep(
      onTicketsChanged(() => {
        if (live) void refresh();
      }),
    );
    return () => {
      live = false;
      unlisten.forEach((u) => u());
    };
  }, [refresh]);
  return { status, refresh, set: setStatus };
}

export type Tone = 'online' | 'offline' | 'syncing' | 'local';

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The sidebar's one line: "Online · synced 2 min ago", "Offline · 3 pending changes", "Syncing…", "Local only". */
export function syncSummary(s: SyncStatus | null, now: number): { tone: Tone; text: string } {
  if (!s) return { tone: 'local', text: 'Local only' };
  if (s.state === 'syncing') return { tone: 'syncing', text: 'Syncing…' };
  if (s.state === 'offline')
    return {
      tone: 'offline',
      text: s.pending > 0 ? `Offline · ${plural(s.pending, 'pending change')}` : 'Offline · no pending changes',
    };
  if (s.pending > 0) return { tone: 'online', text: `Online · ${plural(s.pending, 'pending change')}` };
  return { tone: 'online', text: s.lastSyncAt ? `Online · synced ${relativeTime(s.lastSyncAt, now)}` : 'Online · not synced yet' };
}

export const STATE_LABEL: Record<SyncStatus['state'], string> = {
  online: 'Online',
  offline: 'Offline',
  syncing: 'Syncing',
};

/** `status=waiting` -> `{ field: 'status', value: 'waiting' }`. */
export function splitFieldValue(s: string | null): { field: string | null; value: string } {
  if (s === null) return { field: null, value: '—' };
  const i = s.indexOf('=');
  return i < 0 ? { field: null, value: s } : { field: s.slice(0, i), value: s.slice(i + 1) || '(empty)' };
}

export const conflictKindLabel = (c: SyncConflict) => (c.kind === 'conflict' ? 'Conflict' : 'Rejected');

export type SignInFields = { serverUrl: string; email: string; password: string };
export type SignInProblems = Partial<Record<keyof SignInFields, string>>;

export function parseUrl(s: string): URL | null {
  try {
    return new URL(s);
  } catch {
    return null;
  }
}

/** Client-side checks before `sign_in`: an http(s) URL, an email, a password. */
export function signInProblems(f: SignInFields): SignInProblems {
  const p: SignInProblems = {};
  const url = f.serverUrl.trim();
  if (url === '') p.serverUrl = 'Enter the server address.';
  else {
    const parsed = parseUrl(url);
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !parsed.hostname)
      p.serverUrl = 'Enter a full http:// or https:// address, e.g. https://outpost.example.com.';
  }
  const email = f.email.trim();
  if (email === '') p.email = 'Enter your email.';
  else if (!/^[^\s@]+@[^\s@]+$/.test(email)) p.email = 'Enter a valid email address.';
  if (f.password === '') p.password = 'Enter your password.';
  return p;
}

/** What to tell the user for each `sign_in` error code. */
export function signInErrorMessage(code: string, message: string, serverUrl: string): string {
  switch (code) {
    case 'invalid_credentials':
      return 'Wrong email or password. Check them and try again.';
    case 'offline':
      return `Could not reach the server at ${serverUrl.trim()}. Check the address and your network; you can keep working locally meanwhile.`;
    case 'invalid_value':
      return `The server address is not valid: ${message}`;
    case 'rate_limited':
      return 'Too many sign-in attempts. Wait a minute, then try again.';
    default:
      return message || 'Sign-in failed.';
  }
}
