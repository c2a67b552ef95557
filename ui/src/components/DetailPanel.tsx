//! The ticket detail panel: a non-modal dialog beside the board with four
//! tabs (Details, Comments, History, AI Insights) following the WAI-ARIA tabs
//! pattern (arrow keys, Home/End move between tabs).

import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { TicketCard, TicketDetail, TicketPatch } from '../bindings';
import { getTicket, toIpcError, updateTicket } from '../ipc';
import { useTicketsChanged } from '../lib/useBoard';
import { useSession } from '../lib/session';
import { CommentsTab } from './CommentsTab';
import { DetailsTab } from './DetailsTab';
import { InsightsTab } from './InsightsTab';
import { HistoryTab } from './HistoryTab';
import { CloseIcon, SparkIcon } from './Icons';
import type { View } from './Sidebar';

export type Tab = 'details' | 'comments' | 'history' | 'ai';
export const TABS: { id: Tab; label: string }[] = [
  { id: 'details', label: 'Details' },
  { id: 'comments', label: 'Comments' },
  { id: 'history', label: 'History' },
  { id: 'ai', label: 'AI Insights' },
];

type Props = {
  ticketId: string;
  now: number;
  onClose: () => void;
  onCardChanged: (c: TicketCard) => void;
  onNavigate: (v: View, section?: string) => void;
};

export function DetailPanel({ ticketId, now, onClose, onCardChanged, onNavigate }: Props) {
  const session = useSession();
  const [tab, setTab] = useState<Tab>('details');
  const [detail, setDetail] = useState<TicketDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [historyVersion, setHistoryVersion] = useState(0);
  const tabRefs = useRef<Record<Tab, HTMLButtonElement | null>>({ details: null, comments: null, history: null, ai: null });
  const loaded = detail?.card.ticket.id === ticketId ? detail : null;

  const load = useCallback(async () => {
    try {
      const d = await getTicket(ticketId);
      setDetail(d);
      setError(null);
    } catch (e) {
      setError(toIpcError(e).message);
    }
  }, [ticketId]);

  useEffect(() => {
    void load();
  }, [load]);

  useTicketsChanged(() => {
    void load();
    setHistoryVersion((v) => v + 1);
  });

  const patch = useCallback(
    async (p: TicketPatch) => {
      try {
        const card = await updateTicket(ticketId, p);
        setDetail((d) => (d ? { ...d, card } : d));
        setError(null);
        onCardChanged(card);
        setHistoryVersion((v) => v + 1);
        return true;
      } catch (e) {
        const err = toIpcError(e);
        setError(err.code === 'empty_field' ? 'The title cannot be empty.' : err.message);
        return false;
      }
    },
    [ticketId, onCardChanged],
  );

  const onTabKey = (e: KeyboardEvent) => {
    const i = TABS.findIndex((t) => t.id === tab);
    let next = -1;
    if (e.key === 'ArrowRight') next = (i + 1) % TABS.length;
    else if (e.key === 'ArrowLeft') next = (i - 1 + TABS.length) % TABS.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = TABS.length - 1;
    if (next < 0) return;
    e.preventDefault();
    const id = TABS[next].id;
    setTab(id);
    tabRefs.current[id]?.focus();
  };

  return (
    <aside className="panel" role="dialog" aria-modal="false" aria-labelledby="panel-title" data-testid="detail-panel">
      <header className="panel-head">
        <div className="panel-title-row">
          <span className="card-number">{loaded?.card.displayNumber ?? ''}</span>
          <h2 id="panel-title" className="visually-hidden">
            {loaded ? `${loaded.card.displayNumber}: ${loaded.card.ticket.title}` : 'Ticket'}
          </h2>
          <span className="spacer" />
          <button type="button" className="icon-button" aria-label="Close panel" title="Close (Esc)" onClick={onClose}>
            <CloseIcon />
          </button>
        </div>
        <div role="tablist" aria-label="Ticket sections" className="tabs" onKeyDown={onTabKey}>
          {TABS.map((t) => (
            <button
              key={t.id}
              ref={(el) => {
                tabRefs.current[t.id] = el;
              }}
              type="button"
              role="tab"
              id={`tab-${t.id}`}
              aria-selected={tab === t.id}
              aria-controls={`tabpanel-${t.id}`}
              tabIndex={tab === t.id ? 0 : -1}
              className="tab"
              onClick={() => setTab(t.id)}
            >
              {t.label}
            </button>
          ))}
        </div>
      </header>
      {error && (
        <div className="panel-error" role="alert">
          {error}
        </div>
      )}
      <div className="panel-body">
        {TABS.map((t) => (
          <div
            key={t.id}
            role="tabpanel"
            id={`tabpanel-${t.id}`}
            aria-labelledby={`tab-${t.id}`}
            hidden={tab !== t.id}
            tabIndex={0}
            className="tabpanel"
          >
            {tab === t.id && !loaded && <div className="panel-loading">Loading…</div>}
            {tab === t.id && loaded && t.id === 'details' && (
              <DetailsTab key={ticketId} detail={loaded} now={now} onPatch={patch} onNavigate={onNavigate} />
            )}
            {tab === t.id && loaded && t.id === 'comments' && <CommentsTab ticketId={ticketId} now={now} />}
            {tab === t.id && loaded && t.id === 'history' && (
              <HistoryTab ticketId={ticketId} now={now} version={historyVersion} />
            )}
            {tab === t.id && loaded && t.id === 'ai' && (
              session.workspace.plan.aiInsights ? (
                <InsightsTab ticketId={ticketId} version={historyVersion} />
              ) : (
                <div className="ai-state">
                  <SparkIcon size={26} />
                  <h3>AI Insights is not enabled on this plan</h3>
                  <p className="muted">
                    Ask your workspace admin to upgrade the plan to get ticket analysis and suggested resolutions.
                  </p>
                </div>
              )
            )}
          </div>
        ))}
      </div>
    </aside>
  );
}
