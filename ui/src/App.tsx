//! The app shell: loads the session, then the sidebar and the current view.
//! It owns the sync status (shared by the sidebar indicator and Settings >
//! Server connection), refreshes the session and the board after sign-in or
//! sign-out, and opens a ticket asked for from the sync popover.

import { useCallback, useEffect, useState } from 'react';
import { getSession, signOut, toIpcError, type Session } from './ipc';
import { SessionContext } from './lib/session';
import { useSyncStatus } from './lib/sync';
import { useNow } from './lib/hooks';
import { ComingSoon, Sidebar, type View } from './components/Sidebar';
import { TicketsView } from './components/TicketsView';
import { KbView } from './components/KbView';
import { SettingsView, type SettingsPage } from './components/SettingsView';
import { ServerConnection } from './components/ServerConnection';
import { SyncIndicator } from './components/SyncIndicator';

const SERVER_SECTION = 'server';

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
    view.view !== 'settings' ? null : !view.section ? 'sla' : view.section === SERVER_SECTION ? 'server' : null;
  return (
    <SessionContext.Provider value={session}>
      <div className="app">
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
        ) : view.view === 'kb' ? (
          <KbView />
        ) : settingsPage ? (
          <SettingsView
            page={settingsPage}
            onPage={(p) => navigate('settings', p === 'server' ? SERVER_SECTION : undefined)}
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
