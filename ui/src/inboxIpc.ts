//! The Inbox and workflow-rule part of the IPC interface (kept apart from
//! `ipc.ts` so it grows on its own): conversations, replies, escalation to a
//! ticket, and the rules with their dry run.

import type {
  Conversation,
  ConversationId,
  ConversationStatus,
  ConversationSummary,
  ConversationThread,
  DryRunMatch,
  EscalationInput,
  InboxQuery,
  Message,
  MessageAuthor,
  NewConversationInput,
  Rule,
  RuleSet,
  TicketCard,
} from './bindings';

/** What the Inbox and the rule pages ask of the shell. */
export interface InboxBackend {
  listConversations(query: InboxQuery): Promise<ConversationSummary[]>;
  /** Opening a thread marks it read on this device. */
  getConversation(id: ConversationId): Promise<ConversationThread>;
  /** A phone call or walk-in, logged offline. */
  logConversation(input: NewConversationInput): Promise<ConversationThread>;
  addConversationMessage(id: ConversationId, author: MessageAuthor, body: string): Promise<Message>;
  setConversationStatus(id: ConversationId, status: ConversationStatus): Promise<Conversation>;
  /** The "Create ticket" form prefilled from the thread. */
  escalationDraft(id: ConversationId): Promise<EscalationInput>;
  escalateConversation(id: ConversationId, input: EscalationInput): Promise<TicketCard>;
  getRules(): Promise<RuleSet>;
  /** Admin only (`forbidden` otherwise); `invalid_value` / `empty_field` on a bad rule. */
  saveRules(rules: RuleSet): Promise<RuleSet>;
  dryRunRule(rule: Rule): Promise<DryRunMatch[]>;
}

type Call = <T>(cmd: string, args?: Record<string, unknown>) => Promise<T>;

/** The Tauri commands behind [`InboxBackend`]. */
export function tauriInboxBackend(call: Call): InboxBackend {
  return {
    listConversations: (query) => call('list_conversations', { query }),
    getConversation: (id) => call('get_conversation', { id }),
    logConversation: (input) => call('log_conversation', { input }),
    addConversationMessage: (id, author, body) => call('add_conversation_message', { id, author, body }),
    setConversationStatus: (id, status) => call('set_conversation_status', { id, status }),
    escalationDraft: (id) => call('escalation_draft', { id }),
    escalateConversation: (id, input) => call('escalate_conversation', { id, input }),
    getRules: () => call('get_rules'),
    saveRules: (rules) => call('save_rules', { rules }),
    dryRunRule: (rule) => call('dry_run_rule', { rule }),
  };
}
