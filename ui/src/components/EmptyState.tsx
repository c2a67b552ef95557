//! What the board shows with nothing to list: quick actions when the
//! workspace has no tickets at all, or a way out when filters match nothing.

import type { View } from './Sidebar';
import { InboxIcon, TicketIcon } from './Icons';

export function NoTickets({ onNavigate }: { onNavigate: (v: View, section?: string) => void }) {
  return (
    <div className="empty" data-testid="empty-no-tickets">
      <div className="empty-icon">
        <TicketIcon size={28} />
      </div>
      <h2>No tickets yet</h2>
      <p>Tickets track customer issues that need follow-up beyond a single conversation.</p>
      <div className="empty-actions">
        <button type="button" className="button primary" onClick={() => onNavigate('inbox')}>
          <InboxIcon size={15} /> Go to Inbox
        </button>
        <button type="button" className="button" onClick={() => onNavigate('settings', 'Workflows')}>
          Set Up Workflows
        </button>
        <button type="button" className="button" onClick={() => onNavigate('settings', 'Rules')}>
          Configure Rules
        </button>
      </div>
    </div>
  );
}

export function NoMatches({ onClear, searching }: { onClear: () => void; searching: boolean }) {
  return (
    <div className="empty" data-testid="empty-no-matches">
      <h2>No tickets match these filters</h2>
      <p>{searching ? 'Try a different search or fewer filters.' : 'Try removing a filter.'}</p>
      <div className="empty-actions">
        <button type="button" className="button primary" onClick={onClear}>
          Clear filters
        </button>
      </div>
    </div>
  );
}
