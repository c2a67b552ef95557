// Generated from the Rust types by ts-rs (`cargo xtask bindings`). Do not edit.

export type TicketId = string;

export type AgentId = string;

export type CategoryId = string;

export type CommentId = string;

export type HistoryEventId = string;

export type ConversationId = string;

export type MessageId = string;

export type KbArticleId = string;

export type WorkspaceId = string;

export type Status = "open" | "in_progress" | "waiting" | "resolved" | "closed";

export type Priority = "urgent" | "high" | "normal" | "low";

export type SlaState = "none" | "on_track" | "at_risk" | "breached" | "paused" | "met" | "missed";

export type TicketNumber = number;

export type Ticket = { id: TicketId, 
/**
 * Assigned by the server; `None` while the ticket is provisional.
 */
number: TicketNumber | null, title: string, description: string, status: Status, priority: Priority, categoryId: CategoryId | null, assigneeId: AgentId | null, 
/**
 * Customer name or address the ticket is for.
 */
requester: string, conversationId: ConversationId | null, createdAt: string, updatedAt: string, firstResponseAt: string | null, resolvedAt: string | null, closedAt: string | null, 
/**
 * Effective due date: the manual override if set, else the SLA deadline.
 */
dueAt: string | null, 
/**
 * Manual due date set by an admin, overriding the SLA deadline.
 */
dueOverride: string | null, slaState: SlaState, };

export type Role = "admin" | "agent";

export type Agent = { id: AgentId, name: string, email: string, role: Role, 
/**
 * IANA timezone name, e.g. `Europe/Paris`; due-date filters use it.
 */
timezone: string, };

export type Category = { id: CategoryId, name: string, };

export type Comment = { id: CommentId, ticketId: TicketId, authorId: AgentId, body: string, 
/**
 * Agents @mentioned in the body.
 */
mentions: Array<AgentId>, createdAt: string, };

export type HistoryField = "created" | "title" | "description" | "status" | "priority" | "assignee" | "category" | "due_date" | "sla" | "comment" | "conflict";

export type HistoryEvent = { id: HistoryEventId, ticketId: TicketId, 
/**
 * `None` for changes made by the system (SLA transitions, rules).
 */
actorId: AgentId | null, at: string, field: HistoryField, oldValue: string | null, newValue: string | null, };

export type Channel = "email" | "chat" | "phone" | "web";

export type ConversationStatus = "open" | "snoozed" | "closed";

export type Conversation = { id: ConversationId, channel: Channel, status: ConversationStatus, customerName: string, 
/**
 * Email address or phone number.
 */
customerContact: string, subject: string, ticketId: TicketId | null, createdAt: string, lastMessageAt: string, };

export type MessageAuthor = "customer" | "agent";

export type Message = { id: MessageId, conversationId: ConversationId, author: MessageAuthor, 
/**
 * Set when `author` is an agent.
 */
agentId: AgentId | null, body: string, at: string, };

export type KbArticle = { id: KbArticleId, title: string, body: string, tags: Array<string>, updatedBy: AgentId | null, updatedAt: string, };

export type PlanFeatures = { aiInsights: boolean, };

export type Workspace = { id: WorkspaceId, name: string, 
/**
 * Default IANA timezone for business calendars.
 */
timezone: string, plan: PlanFeatures, };

export type AssigneeFilter = { "kind": "anyone" } | { "kind": "me" } | { "kind": "unassigned" } | { "kind": "agent", "agentId": AgentId };

export type SlaBucket = "due_today" | "due_this_week" | "overdue" | "at_risk";

export type SortOrder = "due_date" | "priority" | "updated" | "created" | "number";

export type TicketQuery = { 
/**
 * Empty = any status.
 */
statuses: Array<Status>, 
/**
 * Empty = any priority.
 */
priorities: Array<Priority>, assignee: AssigneeFilter, categoryId: CategoryId | null, sla: SlaBucket | null, 
/**
 * Ticket number (`TKT-001`, `#1`) or title words (prefix match).
 */
text: string | null, sort: SortOrder, };

export type TicketCard = { ticket: Ticket, 
/**
 * `TKT-042` or the provisional label.
 */
displayNumber: string, assigneeName: string | null, categoryName: string | null, };

export type BoardPage = { cards: Array<TicketCard>, 
/**
 * Pass back to get the next page; `None` on the last page.
 */
nextCursor: string | null, 
/**
 * How many tickets match the query in all.
 */
total: bigint, };

export type StatusCounts = { open: bigint, inProgress: bigint, waiting: bigint, resolved: bigint, closed: bigint, };

export type NewTicket = { title: string, description: string, priority: Priority, categoryId: CategoryId | null, assigneeId: AgentId | null, requester: string, conversationId: ConversationId | null, };

export type TicketPatch = { title?: string, description?: string, status?: Status, priority?: Priority, assigneeId?: AgentId | null, categoryId?: CategoryId | null, 
/**
 * Manual due date (admin only); `null` returns to the SLA deadline.
 */
dueOverride?: string | null, };

export type BulkSelection = { "kind": "ids", ids: Array<TicketId>, } | { "kind": "query", query: TicketQuery, };

export type TicketDetail = { card: TicketCard, conversation: Conversation | null, };

export type ErrorDto = { 
/**
 * Stable machine-readable code, e.g. `not_found`, `empty_field`.
 */
code: string, 
/**
 * Human-readable explanation of what is wrong.
 */
message: string, };
