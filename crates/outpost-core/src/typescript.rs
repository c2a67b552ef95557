//! TypeScript declarations for the desktop UI, generated from the Rust types
//! with ts-rs so they are never written twice. `cargo xtask bindings` writes
//! them to `ui/src/bindings.ts`; a test fails when the committed file is stale.

use ts_rs::TS;

macro_rules! decls {
    ($($t:ty),* $(,)?) => {{
        let cfg = ts_rs::Config::default();
        let mut out = String::new();
        $( out.push_str("export "); out.push_str(&<$t as TS>::decl(&cfg)); out.push_str("\n\n"); )*
        out
    }};
}

/// All declarations, in one self-contained TypeScript module.
pub fn bindings() -> String {
    let mut s = String::from(
        "// Generated from the Rust types by ts-rs (`cargo xtask bindings`). Do not edit.\n\n",
    );
    s.push_str(&decls!(
        crate::TicketId,
        crate::AgentId,
        crate::CategoryId,
        crate::CommentId,
        crate::HistoryEventId,
        crate::ConversationId,
        crate::MessageId,
        crate::KbArticleId,
        crate::WorkspaceId,
        crate::Status,
        crate::Priority,
        crate::SlaState,
        crate::TicketNumber,
        crate::Ticket,
        crate::Role,
        crate::Agent,
        crate::Category,
        crate::Comment,
        crate::HistoryField,
        crate::HistoryEvent,
        crate::Channel,
        crate::ConversationStatus,
        crate::Conversation,
        crate::MessageAuthor,
        crate::Message,
        crate::KbArticle,
        crate::KbArticleInput,
        crate::PassagePart,
        crate::KbHit,
        crate::SimilarTicket,
        crate::InsightFigure,
        crate::InsightLevel,
        crate::InsightStatement,
        crate::GeneratedSummary,
        crate::TicketInsights,
        crate::PlanFeatures,
        crate::Workspace,
        crate::Session,
        crate::AssigneeFilter,
        crate::SlaBucket,
        crate::SortOrder,
        crate::TicketQuery,
        crate::TicketCard,
        crate::BoardPage,
        crate::StatusCounts,
        crate::NewTicket,
        crate::TicketPatch,
        crate::BulkSelection,
        crate::BulkOutcome,
        crate::UndoOutcome,
        crate::TicketDetail,
        crate::ErrorDto,
        crate::inbox::InboxQuery,
        crate::inbox::ConversationSummary,
        crate::inbox::ConversationThread,
        crate::inbox::NewConversationInput,
        crate::inbox::EscalationInput,
        crate::inbox::DryRunMatch,
        crate::rules::Trigger,
        crate::rules::MatchMode,
        crate::rules::Condition,
        crate::rules::Action,
        crate::rules::Rule,
        crate::rules::RuleSet,
        crate::sla::Day,
        crate::sla::ClockTime,
        crate::sla::OpeningHours,
        crate::sla::Holiday,
        crate::sla::BusinessHours,
        crate::sla::CalendarSettings,
        crate::sla::BusinessCalendar,
        crate::sla::PolicyCalendar,
        crate::sla::SlaPolicy,
        crate::sla::SlaPolicySet,
        crate::sla::SlaTarget,
        crate::sla::TargetEvaluation,
        crate::sla::IntervalKind,
        crate::sla::Interval,
        crate::sla::SlaSnapshot,
        crate::sla::SlaEvaluation,
        crate::sla::NamedCalendar,
        crate::sla::SlaSettings,
        crate::report::ReportPeriod,
        crate::report::ReportQuery,
        crate::report::TargetCompliance,
        crate::report::BreachGroup,
        crate::report::DurationBucket,
        crate::report::TimeDistribution,
        crate::report::ReportDay,
        crate::report::AgentLoad,
        crate::report::Report,
        crate::report::ReportSection,
    ));
    s.trim_end().to_owned() + "\n"
}
