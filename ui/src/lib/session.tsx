//! The signed-in session (agent, workspace, agents, categories) as React
//! context, with lookups the board uses to resolve ids to names.

import { createContext, useContext } from 'react';
import type { Session } from '../ipc';

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionContext');
  return s;
}

export function agentName(s: Session, id: string | null): string | null {
  if (id === null) return null;
  return s.agents.find((a) => a.id === id)?.name ?? 'Unknown agent';
}

export function categoryName(s: Session, id: string | null): string | null {
  if (id === null) return null;
  return s.categories.find((c) => c.id === id)?.name ?? 'Unknown category';
}
