//! The Tauri commands: each takes the app state, calls one `outpost-client`
//! function and maps its error to `{code, message}`. No SQL and no business
//! rules live here. Writes emit `tickets-changed` so open views refresh.

use crate::state::AppState;
use outpost_core::report::{Report, ReportQuery, ReportSection};
use outpost_core::sla::{SlaEvaluation, SlaSettings};
use outpost_core::{
    BoardPage, BulkOutcome, BulkSelection, Comment, ErrorDto, HistoryEvent, NewTicket, Session,
    StatusCounts, TicketCard, TicketDetail, TicketId, TicketPatch, TicketQuery, UndoOutcome,
};
use std::path::PathBuf;
use tauri::{AppHandle, Emitter, Manager, State};

/// The event the UI listens to for a refresh after any write.
pub const TICKETS_CHANGED: &str = "tickets-changed";

pub(crate) type CmdResult<T> = Result<T, ErrorDto>;

pub(crate) fn changed(app: &AppHandle) {
    app.state::<AppState>().notify_changed();
    app.state::<crate::sync::SyncState>().kick();
    if let Err(e) = app.emit(TICKETS_CHANGED, ()) {
        tracing::warn!("could not emit {TICKETS_CHANGED}: {e}");
    }
}

#[tauri::command]
pub(crate) fn get_session(state: State<'_, AppState>) -> CmdResult<Session> {
    state.with(|s| s.session())
}

#[tauri::command]
pub(crate) fn list_tickets(
    state: State<'_, AppState>,
    query: TicketQuery,
    cursor: Option<String>,
    limit: u32,
) -> CmdResult<BoardPage> {
    state.with(|s| s.board_page(&query, cursor.as_deref(), limit as usize))
}

#[tauri::command]
pub(crate) fn ticket_stats(
    state: State<'_, AppState>,
    query: TicketQuery,
) -> CmdResult<StatusCounts> {
    state.with(|s| s.board_stats(&query))
}

#[tauri::command]
pub(crate) fn get_ticket(state: State<'_, AppState>, id: TicketId) -> CmdResult<TicketDetail> {
    state.with(|s| s.ticket_detail(id))
}

#[tauri::command]
pub(crate) fn list_comments(
    state: State<'_, AppState>,
    ticket_id: TicketId,
) -> CmdResult<Vec<Comment>> {
    state.with(|s| s.comments(ticket_id))
}

#[tauri::command]
pub(crate) fn list_history(
    state: State<'_, AppState>,
    ticket_id: TicketId,
) -> CmdResult<Vec<HistoryEvent>> {
    state.with(|s| s.history(ticket_id))
}

#[tauri::command]
pub(crate) fn update_ticket(
    app: AppHandle,
    state: State<'_, AppState>,
    id: TicketId,
    patch: TicketPatch,
) -> CmdResult<TicketCard> {
    let card = state.with(|s| s.update_ticket(id, &patch))?;
    changed(&app);
    Ok(card)
}

#[tauri::command]
pub(crate) fn add_comment(
    app: AppHandle,
    state: State<'_, AppState>,
    ticket_id: TicketId,
    body: String,
) -> CmdResult<Comment> {
    let comment = state.with(|s| s.add_comment(ticket_id, &body))?;
    changed(&app);
    Ok(comment)
}

#[tauri::command]
pub(crate) fn create_ticket(
    app: AppHandle,
    state: State<'_, AppState>,
    ticket: NewTicket,
) -> CmdResult<TicketCard> {
    let card = state.with(|s| s.create_ticket(ticket))?;
    changed(&app);
    Ok(card)
}

#[tauri::command]
pub(crate) fn bulk_update_tickets(
    app: AppHandle,
    state: State<'_, AppState>,
    selection: BulkSelection,
    patch: TicketPatch,
) -> CmdResult<BulkOutcome> {
    let outcome = state.with(|s| s.bulk_update_undoable(&selection, &patch))?;
    changed(&app);
    Ok(outcome)
}

/// Undoes the bulk change `batch_id` (from `bulk_update_tickets`). Takes the
/// id as text so a malformed one is an `invalid_value` the UI can show.
#[tauri::command]
pub(crate) fn undo_bulk_update(
    app: AppHandle,
    state: State<'_, AppState>,
    batch_id: String,
) -> CmdResult<UndoOutcome> {
    let batch: uuid::Uuid = batch_id.trim().parse().map_err(|_| {
        ErrorDto::new(
            "invalid_value",
            format!("{batch_id:?} is not a bulk change id"),
        )
    })?;
    let outcome = state.with(|s| s.undo_bulk_update(batch))?;
    changed(&app);
    Ok(outcome)
}

#[tauri::command]
pub(crate) fn export_tickets_csv(
    state: State<'_, AppState>,
    selection: BulkSelection,
    path: PathBuf,
) -> CmdResult<u64> {
    state.with(|s| s.export_csv_to_file(&selection, &path))
}

#[tauri::command]
pub(crate) fn get_report(state: State<'_, AppState>, query: ReportQuery) -> CmdResult<Report> {
    state.with(|s| s.report(&query))
}

#[tauri::command]
pub(crate) fn export_report_csv(
    state: State<'_, AppState>,
    query: ReportQuery,
    section: ReportSection,
    path: PathBuf,
) -> CmdResult<u64> {
    state.with(|s| s.export_report_csv_to_file(&query, section, &path))
}

#[tauri::command]
pub(crate) fn get_sla_settings(state: State<'_, AppState>) -> CmdResult<SlaSettings> {
    state.with(|s| s.sla_settings())
}

/// Takes the settings as raw JSON: a calendar checks itself while it is
/// parsed, and its message (e.g. overlapping hours) must reach the UI as
/// `invalid_value`, not as Tauri's generic argument error. Signed in to a
/// server, the settings are saved there first (the server is authoritative
/// and sends them to every device), then here.
#[tauri::command]
pub(crate) async fn save_sla_settings(
    app: AppHandle,
    settings: serde_json::Value,
) -> CmdResult<SlaSettings> {
    let state = app.state::<AppState>();
    let settings: SlaSettings = serde_json::from_value(settings)
        .map_err(|e| ErrorDto::new("invalid_value", e.to_string()))?;
    let client = app.state::<crate::sync::SyncState>().client();
    let saved = match client {
        Some(c) => {
            state.with(|s| s.require_admin("change SLA settings"))?;
            settings
                .validate()
                .map_err(|e| ErrorDto::from(&outpost_client::StoreError::from(e)))?;
            let saved = c
                .put_sla_settings(&settings)
                .await
                .map_err(|e| ErrorDto::new(e.code(), e.to_string()))?;
            state.with(|s| s.save_sla_settings(&saved))?
        }
        None => state.with(|s| s.save_sla_settings(&settings))?,
    };
    changed(&app);
    Ok(saved)
}

#[tauri::command]
pub(crate) fn get_ticket_sla(
    state: State<'_, AppState>,
    id: TicketId,
) -> CmdResult<Option<SlaEvaluation>> {
    state.with(|s| s.ticket_sla(id))
}

/// The handler registering every command above; keep in step with
/// `COMMANDS` in `build.rs` and `capabilities/default.json`.
pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        get_session,
        list_tickets,
        ticket_stats,
        get_ticket,
        list_comments,
        list_history,
        update_ticket,
        add_comment,
        create_ticket,
        bulk_update_tickets,
        undo_bulk_update,
        export_tickets_csv,
        get_sla_settings,
        save_sla_settings,
        get_ticket_sla,
        get_report,
        export_report_csv,
        crate::sync::get_sync_status,
        crate::sync::sign_in,
        crate::sync::sign_out,
        crate::sync::sync_now,
        crate::notify::get_notification_prefs,
        crate::notify::save_notification_prefs,
        crate::notify::get_notification_problem,
        crate::inbox::list_conversations,
        crate::inbox::get_conversation,
        crate::inbox::log_conversation,
        crate::inbox::add_conversation_message,
        crate::inbox::set_conversation_status,
        crate::inbox::escalation_draft,
        crate::inbox::escalate_conversation,
        crate::inbox::get_rules,
        crate::inbox::save_rules,
        crate::inbox::dry_run_rule,
        crate::kb::search_kb,
        crate::kb::get_kb_article,
        crate::kb::save_kb_article,
        crate::kb::delete_kb_article,
        crate::kb::get_ticket_insights,
        crate::kb::open_external_link,
        crate::kb::request_ticket_summary,
    ]
}
