//! The Tickets view: header with search and the selection toggle, stats bar,
//! filter bar, bulk bar, the virtualized list and the detail panel; plus the
//! board's keyboard shortcuts (`/`, `j`/`k`, Enter, Esc, `x`) and the
//! performance marks the benchmarks read (`board-first-paint`, `filter-repaint`).

import { useCallback, useEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import type { BulkSelection, Status, TicketPatch } from '../bindings';
import { bulkUpdateTickets, chooseCsvPath, exportTicketsCsv, toIpcError, undoBulkUpdate } from '../ipc';
import { clearedFilters, hasActiveFilters, loadFilters, saveFilters, toQuery, type Filters } from '../lib/filters';
import { PRIORITY_LABEL, STATUS_LABEL, formatCount } from '../lib/format';
import { useDebounced, useNow } from '../lib/hooks';
import { agentName, useSession } from '../lib/session';
import { useBoard, useStats, useTicketsChanged } from '../lib/useBoard';
import { BulkBar } from './BulkBar';
import { ConfirmDialog } from './ConfirmDialog';
import { DetailPanel } from './DetailPanel';
import { NoMatches, NoTickets } from './EmptyState';
import { FilterBar, SortSelect } from './FilterBar';
import { CheckSquareIcon, SearchIcon } from './Icons';
import type { View } from './Sidebar';
import { StatsBar } from './StatsBar';
import { TicketList } from './TicketList';
import { Toasts, useToasts } from './Toasts';

/** Bulk changes above this many tickets ask for confirmation first. */
export const CONFIRM_OVER = 50;
export const SEARCH_DEBOUNCE_MS = 120;

type Confirm = { title: string; body: string; confirmLabel: string; run: () => void };

function isEditable(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

let firstPaintMarked = false;

const tickets = (n: number) => `${formatCount(n)} ${n === 1 ? 'ticket' : 'tickets'}`;

/** The toast after a bulk change: "Changed status of 120 tickets". */
export function describeBulk(patch: TicketPatch, changed: number): string {
  if (changed === 0) return 'No ticket changed: they already had that value';
  const fields = [
    patch.status !== undefined && 'status',
    patch.priority !== undefined && 'priority',
    patch.assigneeId !== undefined && 'assignee',
  ].filter(Boolean);
  return fields.length === 1 ? `Changed ${fields[0]} of ${tickets(changed)}` : `Updated ${tickets(changed)}`;
}

/** The toast after an undo, naming the tickets kept because edited since. */
export function describeUndo(restored: number, kept: number): string {
  const keptText =
    kept > 0 ? `${tickets(kept)} kept because ${kept === 1 ? 'it was' : 'they were'} edited since` : '';
  if (restored === 0 && kept > 0) return `Nothing undone: ${keptText}`;
  const done = `Undid the change to ${tickets(restored)}`;
  return kept > 0 ? `${done} · ${keptText}` : done;
}

type Props = {
  onNavigate: (v: View, section?: string) => void;
  /** A ticket to open in the detail panel (from the sync popover); `n` makes repeats distinct. */
  openRequest?: { id: string; n: number } | null;
};

export function TicketsView({ onNavigate, openRequest = null }: Props) {
  const session = useSession();
  const now = useNow();
  const [filters, setFiltersState] = useState<Filters>(() => loadFilters());
  const [search, setSearch] = useState('');
  const text = useDebounced(search, SEARCH_DEBOUNCE_MS);
  const query = useMemo(() => toQuery(filters, text), [filters, text]);
  const board = useBoard(query);
  const stats = useStats(query);
  const { toasts, push, dismiss } = useToasts();
  /** The last bulk change while its Undo toast shows (Ctrl/Cmd+Z undoes it). */
  const [undo, setUndo] = useState<{ batchId: string; toastId: number } | null>(null);
  const undoShown = undo !== null && toasts.some((t) => t.id === undo.toastId);

  const [activeIndex, setActiveIndex] = useState(-1);
  const [focusTick, setFocusTick] = useState(0);
  const [openId, setOpenId] = useState<string | null>(null);
  const [selectionMode, setSelectionMode] = useState(false);
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const [allMatching, setAllMatching] = useState(false);
  const [anchor, setAnchor] = useState<number | null>(null);
  const [confirm, setConfirm] = useState<Confirm | null>(null);
  const [busy, setBusy] = useState(false);
  const searchRef = useRef<HTMLInputElement>(null);
  const repaintPending = useRef(false);

  const [seenRequest, setSeenRequest] = useState<Props['openRequest']>(null);
  if (openRequest !== seenRequest) {
    setSeenRequest(openRequest);
    if (openRequest) setOpenId(openRequest.id);
  }

  const setFilters = useCallback((f: Filters) => {
    performance.mark('filter-change');
    repaintPending.current = true;
    saveFilters(f);
    setFiltersState(f);
    setAllMatching(false);
    setActiveIndex(-1);
  }, []);

  // Performance marks for the benchmarks: first cards on screen, and the
  // repaint after a filter change (measured from the change to the next frame).
  useEffect(() => {
    if (board.cards.length === 0) return;
    const raf = requestAnimationFrame(() => {
      if (!firstPaintMarked) {
        firstPaintMarked = true;
        performance.mark('board-first-paint');
      }
      if (repaintPending.current) {
        repaintPending.current = false;
        try {
          performance.measure('filter-repaint', 'filter-change');
        } catch {
          // The start mark may have been cleared by a benchmark harness.
        }
      }
    });
    return () => cancelAnimationFrame(raf);
  }, [board.version, board.cards.length]);

  useTicketsChanged(() => {
    void board.refresh();
    void stats.refresh();
  });

  const selectionOf = useCallback(
    (): BulkSelection => (allMatching ? { kind: 'query', query } : { kind: 'ids', ids: [...selected] }),
    [allMatching, query, selected],
  );
  const selectedCount = allMatching ? board.total : selected.size;

  const clearSelection = () => {
    setSelected(new Set());
    setAllMatching(false);
    setAnchor(null);
  };

  const toggleAt = useCallback(
    (index: number, shift: boolean) => {
      const card = board.cards[index];
      if (!card) return;
      setSelectionMode(true);
      setSelected((prev) => {
        const base = allMatching ? new Set(board.cards.map((c) => c.ticket.id)) : new Set(prev);
        if (shift && anchor !== null) {
          const [a, b] = anchor < index ? [anchor, index] : [index, anchor];
          for (let i = a; i <= b; i++) {
            const c = board.cards[i];
            if (c) base.add(c.ticket.id);
          }
        } else if (base.has(card.ticket.id)) base.delete(card.ticket.id);
        else base.add(card.ticket.id);
        return base;
      });
      setAllMatching(false);
      setAnchor(index);
    },
    [board.cards, allMatching, anchor],
  );

  const onActivate = useCallback(
    (index: number, e: MouseEvent) => {
      setActiveIndex(index);
      if (selectionMode) {
        toggleAt(index, e.shiftKey);
        return;
      }
      const card = board.cards[index];
      if (card) setOpenId(card.ticket.id);
    },
    [selectionMode, toggleAt, board.cards],
  );

  const onFocusCard = useCallback((index: number) => setActiveIndex(index), []);

  const closePanel = useCallback(() => {
    setOpenId(null);
    setFocusTick((t) => t + 1);
  }, []);

  // Keyboard shortcuts. Typing in a field never triggers them.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (confirm || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'Escape') {
        if (e.target === searchRef.current) {
          searchRef.current?.blur();
          return;
        }
        if (isEditable(e.target)) return;
        if (openId) {
          e.preventDefault();
          closePanel();
        } else if (selectionMode) {
          setSelectionMode(false);
          clearSelection();
        }
        return;
      }
      if (isEditable(e.target)) return;
      const n = board.cards.length;
      const move = (d: number) => {
        if (n === 0) return;
        e.preventDefault();
        setActiveIndex((i) => Math.max(0, Math.min(n - 1, i < 0 ? 0 : i + d)));
        setFocusTick((t) => t + 1);
      };
      switch (e.key) {
        case '/':
          e.preventDefault();
          searchRef.current?.focus();
          searchRef.current?.select();
          break;
        case 'j':
          move(1);
          break;
        case 'k':
          move(-1);
          break;
        case 'Enter': {
          const onCard = e.target instanceof HTMLElement && e.target.getAttribute('role') === 'listitem';
          if (!(onCard || e.target === document.body) || activeIndex < 0) return;
          const card = board.cards[activeIndex];
          if (card) {
            e.preventDefault();
            setOpenId(card.ticket.id);
          }
          break;
        }
        case 'x':
          if (activeIndex >= 0) {
            e.preventDefault();
            toggleAt(activeIndex, e.shiftKey);
          }
          break;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [confirm, openId, selectionMode, board.cards, activeIndex, toggleAt, closePanel]);

  const withConfirm = (count: number, title: string, confirmLabel: string, run: () => void) => {
    if (count > CONFIRM_OVER) {
      setConfirm({
        title,
        body: `This changes ${formatCount(count)} tickets at once, in one transaction.`,
        confirmLabel,
        run,
      });
    } else run();
  };

  const undoBulk = useCallback(
    async (batchId: string, toastId: number) => {
      dismiss(toastId);
      setUndo(null);
      try {
        const r = await undoBulkUpdate(batchId);
        push(describeUndo(r.restored, r.kept));
        void board.refresh();
        void stats.refresh();
      } catch (e) {
        push(`Undo failed: ${toIpcError(e).message}`, 'error');
      }
    },
    [board, stats, push, dismiss],
  );

  useEffect(() => {
    if (!undo || !undoShown) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key.toLowerCase() !== 'z' || !(e.ctrlKey || e.metaKey) || e.shiftKey || e.altKey) return;
      // Text fields keep their own undo.
      if (isEditable(e.target)) return;
      e.preventDefault();
      void undoBulk(undo.batchId, undo.toastId);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [undo, undoShown, undoBulk]);

  const bulk = (patch: TicketPatch, what: string) => {
    const selection = selectionOf();
    const count = selectedCount;
    withConfirm(count, `${what} for ${formatCount(count)} tickets?`, `Update ${formatCount(count)} tickets`, async () => {
      setBusy(true);
      try {
        const { changed: n, batchId } = await bulkUpdateTickets(selection, patch);
        const text = describeBulk(patch, n);
        if (batchId) {
          let toastId = 0;
          toastId = push(text, 'info', {
            label: 'Undo',
            title: 'Undo this change (Ctrl+Z)',
            run: () => void undoBulk(batchId, toastId),
          });
          setUndo({ batchId, toastId });
        } else push(text);
        if (allMatching) setAllMatching(false);
        void board.refresh();
        void stats.refresh();
      } catch (e) {
        push(`Bulk update failed: ${toIpcError(e).message}`, 'error');
      } finally {
        setBusy(false);
      }
    });
  };

  const exportCsv = async () => {
    const selection = selectionOf();
    const count = selectedCount;
    try {
      const path = await chooseCsvPath('tickets.csv');
      if (!path) return;
      setBusy(true);
      if (count > 1000) push(`Exporting ${formatCount(count)} tickets…`);
      const rows = await exportTicketsCsv(selection, path);
      push(`Exported ${formatCount(rows)} ${rows === 1 ? 'ticket' : 'tickets'} to ${path}`);
    } catch (e) {
      push(`Export failed: ${toIpcError(e).message}`, 'error');
    } finally {
      setBusy(false);
    }
  };

  const filtered = hasActiveFilters(filters) || text.trim() !== '';
  const showNoTickets = !board.loading && !board.error && board.total === 0 && !filtered;
  const showNoMatches = !board.loading && !board.error && board.total === 0 && filtered;

  return (
    <div className="board">
      <main className="board-main" aria-labelledby="board-title">
        <header className="board-head">
          <div className="board-title">
            <h1 id="board-title">Tickets</h1>
            <span className="muted" data-testid="total">
              {board.loading && board.cards.length === 0 ? '' : `${formatCount(board.total)} ${board.total === 1 ? 'ticket' : 'tickets'}`}
            </span>
          </div>
          <SortSelect value={filters.sort} onChange={(sort) => setFilters({ ...filters, sort })} />
          <div className="search">
            <SearchIcon />
            <input
              ref={searchRef}
              type="search"
              aria-label="Search tickets"
              placeholder="Search number or title"
              value={search}
              onChange={(e) => {
                performance.mark('filter-change');
                repaintPending.current = true;
                setSearch(e.target.value);
                setAllMatching(false);
              }}
            />
            <kbd aria-hidden="true">/</kbd>
          </div>
          <button
            type="button"
            className={`button${selectionMode ? ' is-on' : ''}`}
            aria-pressed={selectionMode}
            onClick={() => {
              if (selectionMode) clearSelection();
              setSelectionMode(!selectionMode);
            }}
          >
            <CheckSquareIcon /> {selectionMode ? 'Done selecting' : 'Select'}
          </button>
        </header>
        <StatsBar counts={stats.counts} active={filters.status} onPick={(s: Status | null) => setFilters({ ...filters, status: s })} />
        <FilterBar filters={filters} onChange={setFilters} />
        {selectionMode && (
          <BulkBar
            count={selectedCount}
            total={board.total}
            allMatching={allMatching}
            busy={busy}
            onSelectAllMatching={() => setAllMatching(true)}
            onClear={clearSelection}
            onStatus={(s) => bulk({ status: s }, `Set status to ${STATUS_LABEL[s]}`)}
            onAssign={(id) => bulk({ assigneeId: id }, id ? `Assign to ${agentName(session, id)}` : 'Unassign')}
            onPriority={(p) => bulk({ priority: p }, `Set priority to ${PRIORITY_LABEL[p]}`)}
            onExport={() => void exportCsv()}
          />
        )}
        {board.error && (
          <div className="banner-error" role="alert">
            Could not load tickets: {board.error.message}{' '}
            <button type="button" className="link-button" onClick={() => void board.refresh()}>
              Retry
            </button>
          </div>
        )}
        {showNoTickets ? (
          <NoTickets onNavigate={onNavigate} />
        ) : showNoMatches ? (
          <NoMatches
            searching={text.trim() !== ''}
            onClear={() => {
              setSearch('');
              setFilters(clearedFilters(filters));
            }}
          />
        ) : board.loading && board.cards.length === 0 ? (
          <div className="list-scroll" aria-busy="true">
            {Array.from({ length: 6 }, (_, i) => (
              <div key={i} className="card card-loading">
                <span className="skeleton" />
                <span className="skeleton short" />
              </div>
            ))}
          </div>
        ) : (
          <TicketList
            cards={board.cards}
            hasMore={board.nextCursor !== null}
            loadMore={board.loadMore}
            now={now}
            activeIndex={activeIndex}
            focusTick={focusTick}
            openId={openId}
            selectionMode={selectionMode}
            isSelected={(id) => allMatching || selected.has(id)}
            onActivate={onActivate}
            onToggle={toggleAt}
            onFocusCard={onFocusCard}
          />
        )}
      </main>
      {openId && (
        <DetailPanel
          ticketId={openId}
          now={now}
          onClose={closePanel}
          onCardChanged={board.replaceCard}
          onNavigate={onNavigate}
        />
      )}
      {confirm && (
        <ConfirmDialog
          title={confirm.title}
          body={confirm.body}
          confirmLabel={confirm.confirmLabel}
          onCancel={() => setConfirm(null)}
          onConfirm={() => {
            const run = confirm.run;
            setConfirm(null);
            run();
          }}
        />
      )}
      <Toasts toasts={toasts} />
    </div>
  );
}
