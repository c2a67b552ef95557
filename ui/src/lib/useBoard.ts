//! Board data: the cards matching a query, paged 100 at a time through the
//! store's cursor, plus the status counts. Refetches on `tickets-changed`.
//! A generation counter drops answers to queries the user has already left.

import { useCallback, useEffect, useRef, useState } from 'react';
import type { TicketCard, TicketQuery } from '../bindings';
import { listTickets, onTicketsChanged, ticketStats, toIpcError, type Counts, type IpcError } from '../ipc';

export const PAGE_SIZE = 100;

export type BoardState = {
  cards: TicketCard[];
  nextCursor: string | null;
  total: number;
  /** `true` until the first page of the current query has arrived. */
  loading: boolean;
  loadingMore: boolean;
  error: IpcError | null;
  /** Bumped each time a fresh first page lands (for the repaint measure). */
  version: number;
};

const INITIAL: BoardState = {
  cards: [],
  nextCursor: null,
  total: 0,
  loading: true,
  loadingMore: false,
  error: null,
  version: 0,
};

/** Subscribes to `tickets-changed` for the component's lifetime. */
export function useTicketsChanged(handler: () => void): void {
  const ref = useRef(handler);
  useEffect(() => {
    ref.current = handler;
  });
  useEffect(() => {
    let unlisten: (() => void) | null = null;
    let dead = false;
    onTicketsChanged(() => ref.current())
      .then((u) => {
        if (dead) u();
        else unlisten = u;
      })
      .catch(() => {
        // Without events the board still works; it just refreshes on the user's actions.
      });
    return () => {
      dead = true;
      unlisten?.();
    };
  }, []);
}

export function useBoard(query: TicketQuery) {
  const [state, setState] = useState<BoardState>(INITIAL);
  const gen = useRef(0);
  const key = JSON.stringify(query);
  const queryRef = useRef(query);
  const stateRef = useRef(state);
  useEffect(() => {
    queryRef.current = query;
    stateRef.current = state;
  });

  /** Loads the first pages again, enough to cover `keep` cards. */
  const reload = useCallback(async (keep: number) => {
    const my = ++gen.current;
    const q = queryRef.current;
    try {
      let page = await listTickets(q, null, PAGE_SIZE);
      let cards = page.cards;
      while (cards.length < keep && page.nextCursor && my === gen.current) {
        page = await listTickets(q, page.nextCursor, PAGE_SIZE);
        cards = cards.concat(page.cards);
      }
      if (my !== gen.current) return;
      setState((s) => ({
        cards,
        nextCursor: page.nextCursor,
        total: page.total,
        loading: false,
        loadingMore: false,
        error: null,
        version: s.version + 1,
      }));
    } catch (e) {
      if (my !== gen.current) return;
      setState((s) => ({ ...s, loading: false, loadingMore: false, error: toIpcError(e) }));
    }
  }, []);

  useEffect(() => {
    void reload(0);
  }, [key, reload]);

  const loadMore = useCallback(async () => {
    const s = stateRef.current;
    if (!s.nextCursor || s.loadingMore || s.loading) return;
    const my = gen.current;
    stateRef.current = { ...s, loadingMore: true };
    setState((x) => ({ ...x, loadingMore: true }));
    try {
      const page = await listTickets(queryRef.current, s.nextCursor, PAGE_SIZE);
      if (my !== gen.current) return;
      setState((x) => ({
        ...x,
        cards: x.cards.concat(page.cards),
        nextCursor: page.nextCursor,
        total: page.total,
        loadingMore: false,
      }));
    } catch (e) {
      if (my !== gen.current) return;
      setState((x) => ({ ...x, loadingMore: false, error: toIpcError(e) }));
    }
  }, []);

  const refresh = useCallback(() => reload(stateRef.current.cards.length), [reload]);

  /** Puts a card the store returned after an edit in place, without a refetch. */
  const replaceCard = useCallback((c: TicketCard) => {
    setState((s) => ({
      ...s,
      cards: s.cards.map((x) => (x.ticket.id === c.ticket.id ? c : x)),
    }));
  }, []);

  return { ...state, loadMore, refresh, replaceCard };
}

/** Counts per status under the query's other filters. */
export function useStats(query: TicketQuery) {
  const [counts, setCounts] = useState<Counts | null>(null);
  const gen = useRef(0);
  // Counts ignore the status filter and the sort: changing those refetches nothing.
  const key = JSON.stringify({ ...query, statuses: [], sort: null });
  const queryRef = useRef(query);
  useEffect(() => {
    queryRef.current = query;
  });
  const load = useCallback(async () => {
    const my = ++gen.current;
    try {
      const c = await ticketStats(queryRef.current);
      if (my === gen.current) setCounts(c);
    } catch {
      if (my === gen.current) setCounts(null);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [key, load]);
  return { counts, refresh: load };
}
