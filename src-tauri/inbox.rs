//! The Inbox and workflow-rule commands: thin calls into `outpost-client`'s
//! store. Saving rules while signed in goes to the server first (which owns
//! them and syncs them to every app); in local-only mode they are saved here.

use crate::commands::{CmdResult, changed};
use crate::state::AppState;
use outpost_core::inbox::{
    ConversationSummary, ConversationThread, DryRunMatch, EscalationInput, InboxQuery,
    NewConversationInput,
};
use outpost_core::rules::{Rule, RuleSet};
use outpost_core::{
    Conversation, ConversationId, ConversationStatus, ErrorDto, Message, MessageAuthor, TicketCard,
};
use tauri::{AppHandle, Manager, State};

#[tauri::command]
pub(crate) fn list_conversations(
    state: State<'_, AppState>,
    query: InboxQuery,
) -> CmdResult<Vec<ConversationSummary>> {
    state.with(|s| s.inbox(&query, 500))
}

/// A thread; opening it marks it read on this device.
#[tauri::command]
pub(crate) fn get_conversation(
    state: State<'_, AppState>,
    id: ConversationId,
) -> CmdResult<ConversationThread> {
    state.with(|s| {
        s.mark_conversation_read(id)?;
        s.conversation_thread(id)
    })
}

#[tauri::command]
pub(crate) fn log_conversation(
    app: AppHandle,
    state: State<'_, AppState>,
    input: NewConversationInput,
) -> CmdResult<ConversationThread> {
    let t = state.with(|s| s.log_conversation(&input))?;
    changed(&app);
    Ok(t)
}

#[tauri::command]
pub(crate) fn add_conversation_message(
    app: AppHandle,
    state: State<'_, AppState>,
    id: ConversationId,
    author: MessageAuthor,
    body: String,
) -> CmdResult<Message> {
    let m = state.with(|s| s.add_conversation_message(id, author, &body))?;
    changed(&app);
    Ok(m)
}

#[tauri::command]
pub(crate) fn set_conversation_status(
    app: AppHandle,
    state: State<'_, AppState>,
    id: ConversationId,
    status: ConversationStatus,
) -> CmdResult<Conversation> {
    let c = state.with(|s| s.set_conversation_status(id, status))?;
    changed(&app);
    Ok(c)
}

#[tauri::command]
pub(crate) fn escalation_draft(
    state: State<'_, AppState>,
    id: ConversationId,
) -> CmdResult<EscalationInput> {
    state.with(|s| s.escalation_draft(id))
}

#[tauri::command]
pub(crate) fn escalate_conversation(
    app: AppHandle,
    state: State<'_, AppState>,
    id: ConversationId,
    input: EscalationInput,
) -> CmdResult<TicketCard> {
    let card = state.with(|s| s.escalate_conversation(id, &input))?;
    changed(&app);
    Ok(card)
}

#[tauri::command]
pub(crate) fn get_rules(state: State<'_, AppState>) -> CmdResult<RuleSet> {
    state.with(|s| s.rules())
}

#[tauri::command]
pub(crate) async fn save_rules(app: AppHandle, rules: RuleSet) -> CmdResult<RuleSet> {
    let state = app.state::<AppState>();
    state.with(|s| s.require_admin("change workflow rules"))?;
    let rules = rules
        .validated()
        .map_err(|e| ErrorDto::from(&outpost_client::StoreError::from(e)))?;
    let client = app.state::<crate::sync::SyncState>().client();
    let saved = match client {
        Some(c) => {
            let saved = c
                .put_rules(&rules)
                .await
                .map_err(|e| ErrorDto::new(e.code(), e.to_string()))?;
            state.with(|s| s.save_rules(saved))?
        }
        None => state.with(|s| s.save_rules(rules))?,
    };
    changed(&app);
    Ok(saved)
}

#[tauri::command]
pub(crate) fn dry_run_rule(state: State<'_, AppState>, rule: Rule) -> CmdResult<Vec<DryRunMatch>> {
    state.with(|s| s.dry_run_rule(&rule, 200))
}

/// Fires the `no_agent_reply` rules on waiting conversations once a minute,
/// offline too (the server does the same for what it holds).
pub(crate) fn spawn_waiting_rules(app: AppHandle) {
    let spawned = std::thread::Builder::new()
        .name("waiting-rules".into())
        .spawn(move || {
            loop {
                std::thread::sleep(std::time::Duration::from_secs(60));
                let state = app.state::<AppState>();
                let fired = state.with(|s| {
                    let before = s.outbox_len()?;
                    s.run_waiting_rules()?;
                    Ok(s.outbox_len()? != before)
                });
                if let Ok(true) = fired {
                    changed(&app);
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start the waiting-rules thread: {e}");
    }
}
