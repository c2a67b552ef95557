//! The virtualized card list: only the cards in view (plus a small overscan)
//! are in the DOM, whatever the ticket count. When the user nears the end of
//! what is loaded, the next page is fetched through the cursor.

import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, type MouseEvent } from 'react';
import type { TicketCard } from '../bindings';
import { TicketCardView } from './TicketCard';

export const ROW_HEIGHT = 78;

type Props = {
  cards: TicketCard[];
  hasMore: boolean;
  loadMore: () => void;
  now: number;
  activeIndex: number;
  /** Bumped when the keyboard moved `activeIndex`: scroll to it and focus it. */
  focusTick: number;
  openId: string | null;
  selectionMode: boolean;
  isSelected: (id: string) => boolean;
  onActivate: (index: number, e: MouseEvent) => void;
  onToggle: (index: number, shift: boolean) => void;
  onFocusCard: (index: number) => void;
};

export function TicketList(props: Props) {
  const { cards, hasMore, loadMore, activeIndex, focusTick } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const count = cards.length + (hasMore ? 1 : 0);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is designed for this
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    initialRect: { width: 800, height: 600 },
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length > 0 ? items[items.length - 1].index : 0;

  useEffect(() => {
    if (hasMore && lastIndex >= cards.length - 25) loadMore();
  }, [hasMore, lastIndex, cards.length, loadMore]);

  useEffect(() => {
    if (focusTick === 0 || activeIndex < 0) return;
    virtualizer.scrollToIndex(activeIndex, { align: 'auto' });
    const raf = requestAnimationFrame(() => {
      const el = scrollRef.current?.querySelector<HTMLElement>(`[data-index="${activeIndex}"]`);
      el?.focus({ preventScroll: true });
    });
    return () => cancelAnimationFrame(raf);
  }, [focusTick, activeIndex, virtualizer]);

  return (
    <div className="list-scroll" ref={scrollRef} data-testid="ticket-scroll">
      <div role="list" aria-label="Tickets" className="list-inner" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((v) => {
          const card = cards[v.index];
          return (
            <div
              key={card ? card.ticket.id : 'loader'}
              className="row"
              style={{ transform: `translateY(${v.start}px)`, height: ROW_HEIGHT }}
            >
              {card ? (
                <TicketCardView
                  card={card}
                  index={v.index}
                  now={props.now}
                  active={v.index === activeIndex}
                  open={card.ticket.id === props.openId}
                  selectionMode={props.selectionMode}
                  selected={props.isSelected(card.ticket.id)}
                  onActivate={props.onActivate}
                  onToggle={props.onToggle}
                  onFocusCard={props.onFocusCard}
                />
              ) : (
                <div className="card card-loading" aria-busy="true" role="listitem">
                  <span className="skeleton" />
                  <span className="skeleton short" />
                </div>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
