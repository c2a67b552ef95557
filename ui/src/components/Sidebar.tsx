//! The app's left navigation.

import type { Agent } from '../bindings';
import { Avatar } from './Badges';
import { BookIcon, ChartIcon, GearIcon, InboxIcon, TicketIcon } from './Icons';

export type View = 'inbox' | 'tickets' | 'kb' | 'reports' | 'settings';

export const VIEW_LABEL: Record<View, string> = {
  inbox: 'Inbox',
  tickets: 'Tickets',
  kb: 'Knowledge base',
  reports: 'Reports',
  settings: 'Settings',
};

const ICONS: Record<View, () => React.ReactElement> = {
  inbox: () => <InboxIcon />,
  tickets: () => <TicketIcon />,
  kb: () => <BookIcon />,
  reports: () => <ChartIcon />,
  settings: () => <GearIcon />,
};

type Props = {
  view: View;
  onNavigate: (v: View) => void;
  agent: Agent;
  workspaceName: string;
  /** The sync indicator, shown above the agent card. */
  sync?: React.ReactNode;
};

export function Sidebar({ view, onNavigate, agent, workspaceName, sync }: Props) {
  return (
    <nav className="sidebar" aria-label="Main">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">O</span>
        <span className="brand-text">
          <strong>Outpost</strong>
          <span className="muted">{workspaceName}</span>
        </span>
      </div>
      <ul className="nav">
        {(Object.keys(VIEW_LABEL) as View[]).map((v) => (
          <li key={v}>
            <button
              type="button"
              className={`nav-item${v === view ? ' is-current' : ''}`}
              aria-current={v === view ? 'page' : undefined}
              onClick={() => onNavigate(v)}
            >
              {ICONS[v]()}
              <span>{VIEW_LABEL[v]}</span>
            </button>
          </li>
        ))}
      </ul>
      {sync && <div className="sidebar-sync">{sync}</div>}
      <div className="sidebar-foot">
        <Avatar id={agent.id} name={agent.name} size={28} />
        <span className="sidebar-agent">
          <strong>{agent.name}</strong>
          <span className="muted">{agent.role === 'admin' ? 'Admin' : 'Agent'}</span>
        </span>
      </div>
    </nav>
  );
}

export function ComingSoon({ view, section }: { view: View; section?: string }) {
  return (
    <main className="placeholder" aria-labelledby="placeholder-title">
      <div className="placeholder-card">
        <div className="empty-icon">{ICONS[view]()}</div>
        <h1 id="placeholder-title">
          {VIEW_LABEL[view]}
          {section ? ` · ${section}` : ''}
        </h1>
        <p className="muted">This area is coming in a later release of Outpost.</p>
      </div>
    </main>
  );
}
