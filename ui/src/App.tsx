//! The app shell: loads the session, then the sidebar and the current view.
//! It owns the sync status (shared by the sidebar indicator and Settings >
//! Server connection), refreshes the session and the board after sign-in or
//! sign-out, and opens a ticket asked for from the sync popover.

import { useCallback, useEffect, useState } from 'react';
import { getSession, signOut, toIpcError, type OpenTarget, type Session } from './ipc';
import { clearedFilters, loadFilters, saveFilters } from './lib/filters';
import { useOpenTargets } from './lib/openTargets';
import { NotificationsNotice } from './components/NotificationsNotice';
import { SessionContext } from './lib/session';
import { useSyncStatus } from './lib/sync';
import { useNow } from './lib/hooks';
import { ComingSoon, Sidebar, type View } from './components/Sidebar';
import { TicketsView } from './components/TicketsView';
import { ReportsView } from './components/ReportsView';
import { InboxView } from './components/InboxView';
import { KbView } from './components/KbView';
import { SettingsView, type SettingsPage } from './components/SettingsView';
import { ServerConnection } from './components/ServerConnection';
import { SyncIndicator } from './components/SyncIndicator';

const SERVER_SECTION = 'server';
const NOTIFICATIONS_SECTION = 'notifications';
/** Settings sections (as the board's empty state and the notices name them) and their pages. */
const SECTION_PAGE: Record<string, SettingsPage> = {
  server: 'server',
  [NOTIFICATIONS_SECTION]: 'notifications',
  Workflows: 'workflows',
  Rules: 'rules',
};
const PAGE_SECTION: Record<SettingsPage, string | undefined> = {
  sla: undefined,
  server: SERVER_SECTION,
  notifications: NOTIFICATIONS_SECTION,
  workflows: 'Workflows',
  rules: 'Rules',
};

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [view, setView] = useState<{ view: View; section?: string }>({ view: 'tickets' });
  const [openRequest, setOpenRequest] = useState<{ id: string; n: number } | null>(null);
  /** Bumped when the session changes, so the board refetches from scratch. */
  const [epoch, setEpoch] = useState(0);
  const sync = useSyncStatus();
  const now = useNow(15_000);

  useEffect(() => {
    getSession()
      .then(setSession)
      .catch((e) => setError(toIpcError(e).message));
  }, []);

  // A notification click or a tray pick: open the ticket, or the board
  // filtered to At Risk / Overdue (a grouped notification).
  useOpenTargets(
    useCallback((t: OpenTarget) => {
      if (t.kind === 'ticket') {
        setView({ view: 'tickets' });
        setOpenRequest((r) => ({ id: t.ticketId, n: (r?.n ?? 0) + 1 }));
      } else {
        saveFilters({ ...clearedFilters(loadFilters()), sla: t.sla });
        setView({ view: 'tickets' });
        setOpenRequest(null);
        setEpoch((x) => x + 1);
      }
    }, []),
  );

  const reloadSession = useCallback(async () => {
    try {
      setSession(await getSession());
    } catch (e) {
      setError(toIpcError(e).message);
    }
    setEpoch((x) => x + 1);
    setOpenRequest(null);
    await sync.refresh();
  }, [sync]);

  const doSignOut = useCallback(async () => {
    await signOut();
    sync.set(null);
    await reloadSession();
  }, [sync, reloadSession]);

  if (error) {
    return (
      <div className="boot" role="alert">
        <h1>Outpost could not start</h1>
        <p>{error}</p>
      </div>
    );
  }
  if (!session) {
    return (
      <div className="boot" aria-busy="true">
        <span className="muted">Loading…</span>
      </div>
    );
  }
  const navigate = (v: View, section?: string) => {
    setView({ view: v, section });
    setOpenRequest(null);
  };
  const settingsPage: SettingsPage | null =
    view.view !== 'settings' ? null : !view.section ? 'sla' : (SECTION_PAGE[view.section] ?? null);
  const openTicket = (id: string) => {
    setView({ view: 'tickets' });
    setOpenRequest((r) => ({ id, n: (r?.n ?? 0) + 1 }));
  };
  return (
    <SessionContext.Provider value={session}>
      <div className="app">
        <NotificationsNotice />
        <Sidebar
          view={view.view}
          onNavigate={(v) => navigate(v)}
          agent={session.agent}
          workspaceName={session.workspace.name}
          sync={
            <SyncIndicator
              status={sync.status}
              now={now}
              onOpenTicket={(id) => {
                setView({ view: 'tickets' });
                setOpenRequest((r) => ({ id, n: (r?.n ?? 0) + 1 }));
              }}
              onConnect={() => navigate('settings', SERVER_SECTION)}
              onSignOut={doSignOut}
            />
          }
        />
        {view.view === 'tickets' ? (
          <TicketsView key={epoch} onNavigate={navigate} openRequest={openRequest} />
        ) : view.view === 'reports' ? (
          <ReportsView key={epoch} />
        ) : view.view === 'inbox' ? (
          <InboxView key={`${epoch}-${view.section ?? ''}`} openId={view.section ?? null} onOpenTicket={openTicket} />
        ) : view.view === 'kb' ? (
          <KbView />
        ) : settingsPage ? (
          <SettingsView
            page={settingsPage}
            onPage={(p) => navigate('settings', p === 'sla' ? undefined : PAGE_SECTION[p])}
            serverPage={
              <ServerConnection status={sync.status} onSignedIn={() => void reloadSession()} onSignOut={doSignOut} />
            }
          />
        ) : (
          <ComingSoon view={view.view} section={view.section} />
        )}
      </div>
    </SessionContext.Provider>
  );
}
