import { describe, expect, it } from 'vitest';
import { SESSION } from '../test/util';
import {
  DEFAULT_FILTERS,
  STORAGE_KEY,
  activeChips,
  hasActiveFilters,
  loadFilters,
  saveFilters,
  toQuery,
  withoutFilter,
} from './filters';

describe('filters', () => {
  it('round-trips through localStorage', () => {
    const f = { ...DEFAULT_FILTERS, status: 'waiting' as const, assignee: { kind: 'me' as const }, sla: 'at_risk' as const };
    saveFilters(f);
    expect(loadFilters()).toEqual(f);
  });

  it('drops malformed saved values instead of failing', () => {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ status: 'bogus', sort: 'nope', assignee: { kind: 'agent' } }));
    expect(loadFilters()).toEqual(DEFAULT_FILTERS);
    localStorage.setItem(STORAGE_KEY, '{not json');
    expect(loadFilters()).toEqual(DEFAULT_FILTERS);
  });

  it('builds the TicketQuery the store expects', () => {
    const q = toQuery({ ...DEFAULT_FILTERS, priority: 'urgent', categoryId: 'c1' }, '  #TKT-001 ');
    expect(q).toEqual({
      statuses: [],
      priorities: ['urgent'],
      assignee: { kind: 'anyone' },
      categoryId: 'c1',
      sla: null,
      text: '#TKT-001',
      sort: 'due_date',
    });
    expect(toQuery(DEFAULT_FILTERS, '   ').text).toBeNull();
  });

  it('lists active filters as chips with names resolved', () => {
    const agent = SESSION.agents[2];
    const f = { ...DEFAULT_FILTERS, assignee: { kind: 'agent' as const, agentId: agent.id }, sla: 'overdue' as const };
    expect(activeChips(f, SESSION).map((c) => `${c.label}: ${c.value}`)).toEqual([
      `Assigned to: ${agent.name}`,
      'SLA: Overdue',
    ]);
    expect(hasActiveFilters(withoutFilter(withoutFilter(f, 'assignee'), 'sla'))).toBe(false);
  });
});
