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

export type Session = { agent: Agent, workspace: Workspace, agents: Array<Agent>, categories: Array<Category>, };

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
total: number, };

export type StatusCounts = { open: number, inProgress: number, waiting: number, resolved: number, closed: number, };

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

export type InboxQuery = { 
/**
 * Words in the subject, customer or messages.
 */
search: string, 
/**
 * Empty: every channel.
 */
channels: Array<Channel>, 
/**
 * Empty: every status.
 */
statuses: Array<ConversationStatus>, };

export type ConversationSummary = { conversation: Conversation, 
/**
 * The newest message's first characters.
 */
lastMessage: string | null, lastAuthor: MessageAuthor | null, 
/**
 * A customer message arrived after the agent last opened the thread.
 */
unread: boolean, 
/**
 * When the unanswered customer message came (`None`: the last word is an agent's).
 */
waitingSince: string | null, 
/**
 * The linked ticket's label (`TKT-042` or `New (unsynced)`).
 */
ticketLabel: string | null, };

export type ConversationThread = { conversation: Conversation, messages: Array<Message>, ticket: TicketCard | null, };

export type NewConversationInput = { channel: Channel, customerName: string, customerContact: string, subject: string, 
/**
 * What the customer said (a customer message), if anything.
 */
body: string, };

export type EscalationInput = { title: string, description: string, priority: Priority, categoryId: CategoryId | null, assigneeId: AgentId | null, };

export type DryRunMatch = { conversationId: ConversationId, subject: string, customerName: string, channel: Channel, lastMessageAt: string, };

export type Trigger = { "kind": "conversation_created" } | { "kind": "customer_message" } | { "kind": "no_agent_reply", minutes: number, } | { "kind": "ticket_created" } | { "kind": "ticket_updated" };

export type MatchMode = "all" | "any";

export type Condition = { "field": "channel", anyOf: Array<Channel>, } | { "field": "subject_contains", words: Array<string>, } | { "field": "body_contains", words: Array<string>, } | { "field": "email_domain", domains: Array<string>, } | { "field": "priority", anyOf: Array<Priority>, } | { "field": "category", anyOf: Array<CategoryId>, } | { "field": "status", anyOf: Array<Status>, } | { "field": "tags", anyOf: Array<string>, };

export type Action = { "kind": "create_ticket", priority: Priority, categoryId: CategoryId | null, assigneeId: AgentId | null, } | { "kind": "set_priority", priority: Priority, } | { "kind": "set_category", categoryId: CategoryId | null, } | { "kind": "set_assignee", assigneeId: AgentId | null, } | { "kind": "set_status", status: Status, } | { "kind": "add_comment", body: string, } | { "kind": "notify_agent", agentId: AgentId, message: string, };

export type Rule = { id: string, name: string, enabled: boolean, trigger: Trigger, matchMode: MatchMode, conditions: Array<Condition>, actions: Array<Action>, };

export type RuleSet = { rules: Array<Rule>, 
/**
 * When an admin last saved them (`None`: never).
 */
updatedAt: string | null, };

export type Day = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";

export type ClockTime = string;

export type OpeningHours = { day: Day, start: ClockTime, 
/**
 * Exclusive; `24:00` means until midnight.
 */
end: ClockTime, };

export type Holiday = { 
/**
 * The local date; for a yearly holiday only its month and day matter.
 */
date: string, 
/**
 * Recurs every year on the same month and day (29 February only in leap years).
 */
yearly: boolean, 
/**
 * Shown in the explanation timeline, e.g. "Christmas".
 */
name: string, };

export type BusinessHours = { 
/**
 * IANA timezone name, e.g. `Europe/Paris`; opening hours are local to it.
 */
timezone: string, 
/**
 * Opening intervals; several per weekday are allowed but may not overlap.
 */
hours: Array<OpeningHours>, 
/**
 * Days the calendar stays closed.
 */
holidays: Array<Holiday>, };

export type CalendarSettings = { "kind": "alwaysOpen" } | { "kind": "businessHours" } & BusinessHours;

export type BusinessCalendar = { "kind": "alwaysOpen" } | { "kind": "businessHours" } & BusinessHours;

export type PolicyCalendar = { "kind": "shared", id: string, } | { "kind": "embedded", calendar: BusinessCalendar, };

export type SlaPolicy = { 
/**
 * Stable id, unique in its set.
 */
id: string, 
/**
 * Shown to agents, e.g. "High priority".
 */
name: string, 
/**
 * Priorities it matches; at least one.
 */
priorities: Array<Priority>, 
/**
 * Category it is limited to; `None` matches every category.
 */
categoryId: CategoryId | null, firstResponseMinutes: number, resolutionMinutes: number, calendar: PolicyCalendar, 
/**
 * Percent of a target below which its remaining time counts as at risk.
 */
atRiskPercent: number, 
/**
 * Remaining minutes at or below which a target is always at risk.
 */
atRiskFloorMinutes: number, };

export type SlaPolicySet = { policies: Array<SlaPolicy>, };

export type SlaTarget = "first_response" | "resolution";

export type TargetEvaluation = { target: SlaTarget, 
/**
 * On track, at risk, breached, paused, met or missed (never `None`).
 */
state: SlaState, targetMinutes: number, 
/**
 * See the module docs; `None` for a met target.
 */
deadline: string | null, 
/**
 * When remaining time reaches the at-risk threshold (past or projected);
 * `None` unless the target is running.
 */
atRiskAt: string | null, 
/**
 * Business minutes counted, rounded down.
 */
elapsedMinutes: number, 
/**
 * Business minutes left before the deadline, rounded up; 0 once reached.
 */
remainingMinutes: number, 
/**
 * Business minutes past the deadline, rounded down; 0 before it.
 */
overdueMinutes: number, 
/**
 * When the target was met or missed.
 */
completedAt: string | null, };

export type IntervalKind = "running" | "paused" | "outside_business_hours" | "holiday" | "stopped";

export type Interval = { start: string, end: string, kind: IntervalKind, 
/**
 * After the evaluation instant (assumes no further edits).
 */
projected: boolean, };

export type SlaSnapshot = { 
/**
 * The state at the evaluation instant.
 */
state: SlaState, 
/**
 * The due date (manual override or earliest running target's deadline).
 */
dueAt: string | null, 
/**
 * Earliest instant a running target is at risk (may be in the past).
 */
atRiskAt: string | null, 
/**
 * Earliest instant a running target is breached (may be in the past).
 */
breachAt: string | null, 
/**
 * First of `at_risk_at` / `breach_at` after the evaluation instant.
 */
nextChange: string | null, };

export type SlaEvaluation = { 
/**
 * The policy in force; `None` when no policy matches.
 */
policyId: string | null, state: SlaState, 
/**
 * The manual override if given, else the earliest running target's deadline.
 */
dueAt: string | null, 
/**
 * Present when a policy applies.
 */
firstResponse: TargetEvaluation | null, resolution: TargetEvaluation | null, 
/**
 * The next instant (after `now`) at which `state` changes with no further
 * edits: the ticket becomes at risk or breached. Per-target changes that
 * leave `state` as is (e.g. resolution at risk on a breached ticket) are in
 * the targets' `at_risk_at` and `deadline`.
 */
nextChange: string | null, 
/**
 * The next instant a running clock starts or stops counting because the
 * calendar opens or closes. Does not change `state`; useful for live
 * countdowns.
 */
clockChangeAt: string | null, 
/**
 * Why the due date is what it is: from creation to the later of `now` and
 * the SLA deadline.
 */
explanation: Array<Interval>, 
/**
 * The comparisons-only form for cheap re-evaluation later.
 */
snapshot: SlaSnapshot, };

export type NamedCalendar = { id: string, name: string, calendar: BusinessCalendar, };

export type SlaSettings = { calendars: Array<NamedCalendar>, policies: SlaPolicySet, 
/**
 * First day of the week for "Due This Week" (Monday by default).
 */
weekStart: Day, };
