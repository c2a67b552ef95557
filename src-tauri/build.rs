//! Build script: generates the Tauri context and one permission per app
//! command, so `capabilities/default.json` can grant exactly these commands.

/// Every command the shell exposes; keep in step with `commands::handler()`.
const COMMANDS: &[&str] = &[
    "get_session",
    "list_tickets",
    "ticket_stats",
    "get_ticket",
    "list_comments",
    "list_history",
    "update_ticket",
    "add_comment",
    "create_ticket",
    "bulk_update_tickets",
    "undo_bulk_update",
    "export_tickets_csv",
    "get_sla_settings",
    "save_sla_settings",
    "get_ticket_sla",
    "get_report",
    "export_report_csv",
    "get_sync_status",
    "sign_in",
    "sign_out",
    "sync_now",
    "get_notification_prefs",
    "save_notification_prefs",
    "get_notification_problem",
    "list_conversations",
    "get_conversation",
    "log_conversation",
    "add_conversation_message",
    "set_conversation_status",
    "escalation_draft",
    "escalate_conversation",
    "get_rules",
    "save_rules",
    "dry_run_rule",
    "search_kb",
    "get_kb_article",
    "save_kb_article",
    "delete_kb_article",
    "get_ticket_insights",
    "open_external_link",
    "request_ticket_summary",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}
