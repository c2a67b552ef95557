import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { installBackend, type Session } from '../ipc';
import { createMockBackend, type MockBackend, type MockOptions } from '../mock';
import { SessionContext } from '../lib/session';
import { AGENTS, CATEGORIES, WORKSPACE } from '../mock/data';

export const SESSION: Session = { agent: AGENTS[0], workspace: WORKSPACE, agents: AGENTS, categories: CATEGORIES };

/** Installs a fresh mock backend (small by default) and returns it. */
export function installMock(opts: MockOptions = {}): MockBackend {
  const m = createMockBackend({ count: 300, now: () => Date.parse('2026-11-25T12:00:00Z'), ...opts });
  installBackend(m);
  return m;
}

export function renderWithSession(ui: ReactElement, session: Session = SESSION) {
  return render(<SessionContext.Provider value={session}>{ui}</SessionContext.Provider>);
}
