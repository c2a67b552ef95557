//! Native OS notifications (notify-rust: D-Bus on Linux, Notification Center
//! on macOS, toasts on Windows). The store decides what to notify and
//! remembers what was notified (`Store::notification_pass`); this module
//! shows it and handles what the agent does with it:
//! - the default action (clicking the notification) and "Open" bring the
//!   window forward and open the ticket (a grouped SLA notification opens the
//!   board filtered to At Risk / Overdue) via the [`OPEN_TARGET`] event;
//! - "Snooze 15 min" stores it to be shown again 15 minutes later.
//!
//! Actions exist where the platform has them (Linux D-Bus): a thread per
//! shown notification waits for its action or its closing.
//!
//! A missing notification service is logged and reported to the UI once
//! ([`UNAVAILABLE`] event, [`get_notification_problem`]), never fatal.

use crate::commands::CmdResult;
use crate::state::AppState;
use outpost_client::{Notification, NotificationKind};
use outpost_core::TicketId;
use serde::Serialize;
use std::sync::Mutex;
use tauri::{AppHandle, Emitter, Manager, State};

/// The event asking the UI to open a ticket or a filtered board.
pub const OPEN_TARGET: &str = "open-target";
/// The event telling the UI notifications cannot be shown (payload: reason).
pub const UNAVAILABLE: &str = "notifications-unavailable";

/// Why notifications cannot be shown, once known.
static PROBLEM: Mutex<Option<String>> = Mutex::new(None);

/// What clicking a notification opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum OpenTarget {
    /// One ticket's detail panel.
    #[serde(rename_all = "camelCase")]
    Ticket { ticket_id: TicketId },
    /// The board filtered to one SLA bucket (`at_risk` or `overdue`).
    Board { sla: &'static str },
}

/// What `n` opens: its ticket, or for several SLA tickets the filtered board.
pub fn target_of(n: &Notification) -> Option<OpenTarget> {
    match (n.kind, n.ticket_ids.as_slice()) {
        (_, []) => None,
        (NotificationKind::AtRisk, [_, _, ..]) => Some(OpenTarget::Board { sla: "at_risk" }),
        (NotificationKind::Breached, [_, _, ..]) => Some(OpenTarget::Board { sla: "overdue" }),
        (_, [first, ..]) => Some(OpenTarget::Ticket { ticket_id: *first }),
    }
}

/// Brings the main window forward (from the tray, minimized or behind).
pub fn show_window(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

/// Brings the window forward and asks the UI to open `target`.
pub fn open(app: &AppHandle, target: &OpenTarget) {
    show_window(app);
    tracing::info!("opening {target:?}");
    if let Err(e) = app.emit(OPEN_TARGET, target) {
        tracing::warn!("could not emit {OPEN_TARGET}: {e}");
    }
}

/// Records (once) that notifications are unavailable and tells the UI.
pub fn report_problem(app: &AppHandle, reason: String) {
    {
        let mut p = PROBLEM.lock().unwrap_or_else(|p| p.into_inner());
        if p.is_some() {
            return;
        }
        *p = Some(reason.clone());
    }
    tracing::warn!("notifications are unavailable on this system: {reason}");
    if let Err(e) = app.emit(UNAVAILABLE, &reason) {
        tracing::warn!("could not emit {UNAVAILABLE}: {e}");
    }
}

/// Checks at start that a notification service answers (Linux D-Bus), so
/// the UI can say so before the first alert is due.
pub fn probe(app: &AppHandle) {
    #[cfg(all(unix, not(target_os = "macos")))]
    if let Err(e) = notify_rust::get_server_information() {
        report_problem(app, e.to_string());
    }
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    let _ = app;
}

/// Why notifications cannot be shown (`null`: they can, as far as known).
#[tauri::command]
pub(crate) fn get_notification_problem() -> Option<String> {
    PROBLEM.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// Shows `n`; reports (once) when the platform has no notification service.
pub fn deliver(app: &AppHandle, n: &Notification) {
    let mut note = notify_rust::Notification::new();
    note.appname("Outpost").summary(&n.title).body(&n.body);
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        note.urgency(if n.urgent {
            notify_rust::Urgency::Critical
        } else {
            notify_rust::Urgency::Normal
        });
        note.action("default", "Open")
            .action("open", "Open")
            .action("snooze", "Snooze 15 min");
    }
    match note.show() {
        Ok(handle) => {
            tracing::info!("notified: {}", n.title);
            #[cfg(all(unix, not(target_os = "macos")))]
            {
                let app = app.clone();
                let n = n.clone();
                let spawned = std::thread::Builder::new()
                    .name("notification-action".into())
                    .spawn(move || handle.wait_for_action(|action| on_action(&app, &n, action)));
                if let Err(e) = spawned {
                    tracing::warn!("cannot wait for notification actions: {e}");
                }
            }
            #[cfg(not(all(unix, not(target_os = "macos"))))]
            drop(handle);
        }
        Err(e) => report_problem(app, e.to_string()),
    }
}

/// What the agent did with a shown notification.
fn on_action(app: &AppHandle, n: &Notification, action: &str) {
    match action {
        "default" | "open" => {
            if let Some(t) = target_of(n) {
                open(app, &t);
            } else {
                show_window(app);
            }
        }
        "snooze" => {
            let state = app.state::<AppState>();
            match state.with(|s| s.snooze_notification(n)) {
                Ok(due) => {
                    tracing::info!("snoozed \"{}\" until {due}", n.title);
                    state.notify_changed();
                }
                Err(e) => tracing::error!("could not snooze: {}", e.message),
            }
        }
        _ => {}
    }
}

/// The agent's notification settings (Settings > Notifications).
#[tauri::command]
pub(crate) fn get_notification_prefs(
    state: State<'_, AppState>,
) -> CmdResult<outpost_client::NotificationPrefs> {
    state.with(|s| s.notification_prefs())
}

/// Saves the agent's notification settings. Takes raw JSON so a malformed
/// value reaches the UI as `invalid_value` with the reason.
#[tauri::command]
pub(crate) fn save_notification_prefs(
    app: AppHandle,
    state: State<'_, AppState>,
    prefs: serde_json::Value,
) -> CmdResult<outpost_client::NotificationPrefs> {
    let prefs: outpost_client::NotificationPrefs = serde_json::from_value(prefs)
        .map_err(|e| outpost_core::ErrorDto::new("invalid_value", e.to_string()))?;
    state.with(|s| s.set_notification_prefs(&prefs))?;
    // The scheduler and the tray pick the new settings up at once.
    state.notify_changed();
    crate::tray::refresh(&app);
    Ok(prefs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn note(kind: NotificationKind, n: u128) -> Notification {
        Notification {
            kind,
            title: String::new(),
            body: String::new(),
            ticket_ids: (1..=n).map(|i| TicketId(Uuid::from_u128(i))).collect(),
            urgent: false,
        }
    }

    #[test]
    fn one_ticket_opens_it_and_groups_open_the_filtered_board() {
        assert_eq!(
            target_of(&note(NotificationKind::AtRisk, 1)),
            Some(OpenTarget::Ticket {
                ticket_id: TicketId(Uuid::from_u128(1))
            })
        );
        assert_eq!(
            target_of(&note(NotificationKind::AtRisk, 3)),
            Some(OpenTarget::Board { sla: "at_risk" })
        );
        assert_eq!(
            target_of(&note(NotificationKind::Breached, 2)),
            Some(OpenTarget::Board { sla: "overdue" })
        );
        assert_eq!(
            target_of(&note(NotificationKind::Mention, 2)),
            Some(OpenTarget::Ticket {
                ticket_id: TicketId(Uuid::from_u128(1))
            })
        );
        let v = serde_json::to_value(OpenTarget::Ticket {
            ticket_id: TicketId(Uuid::from_u128(1)),
        })
        .unwrap();
        assert_eq!(v["kind"], "ticket");
        assert!(v["ticketId"].is_string());
    }
}
