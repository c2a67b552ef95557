//! The app shell: loads the session, then the sidebar and the current view.

import { useEffect, useState } from 'react';
import { getSession, toIpcError, type Session } from './ipc';
import { SessionContext } from './lib/session';
import { ComingSoon, Sidebar, type View } from './components/Sidebar';
import { TicketsView } from './components/TicketsView';
import { SettingsView } from './components/SettingsView';

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [view, setView] = useState<{ view: View; section?: string }>({ view: 'tickets' });

  useEffect(() => {
    getSession()
      .then(setSession)
      .catch((e) => setError(toIpcError(e).message));
  }, []);

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
  const navigate = (v: View, section?: string) => setView({ view: v, section });
  return (
    <SessionContext.Provider value={session}>
      <div className="app">
        <Sidebar
          view={view.view}
          onNavigate={(v) => navigate(v)}
          agent={session.agent}
          workspaceName={session.workspace.name}
        />
        {view.view === 'tickets' ? (
          <TicketsView onNavigate={navigate} />
        ) : view.view === 'settings' && !view.section ? (
          <SettingsView />
        ) : (
          <ComingSoon view={view.view} section={view.section} />
        )}
      </div>
    </SessionContext.Provider>
  );
}
