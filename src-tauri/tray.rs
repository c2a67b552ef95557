//! The tray icon (Linux, Windows; the menu bar on macOS): its tooltip and
//! title give the at-risk / overdue count, its menu lists the most urgent
//! tickets (clicking one opens it), then "Show Outpost" and "Quit". The SLA
//! timer calls [`refresh`] after every pass; the menu is rebuilt only when
//! the summary changed. A platform without a tray is logged, never fatal.

use crate::notify::{OpenTarget, open, show_window};
use crate::state::AppState;
use outpost_client::SlaAlerts;
use outpost_core::TicketId;
use std::sync::Mutex;
use tauri::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager};

const TRAY_ID: &str = "main";
/// How many tickets the menu lists.
pub const TOP: usize = 5;
const SHOW: &str = "show";
const QUIT: &str = "quit";
const TICKET_PREFIX: &str = "ticket:";

/// The summary the tray shows now (to skip rebuilding an unchanged menu).
static SHOWN: Mutex<Option<SlaAlerts>> = Mutex::new(None);

fn tooltip(a: &SlaAlerts) -> String {
    format!("Outpost — {}", a.summary())
}

fn menu(app: &AppHandle, a: &SlaAlerts) -> tauri::Result<Menu<tauri::Wry>> {
    let menu = Menu::new(app)?;
    let head = MenuItem::with_id(app, "summary", a.summary(), false, None::<&str>)?;
    menu.append(&head)?;
    for t in &a.top {
        let item = MenuItem::with_id(
            app,
            format!("{TICKET_PREFIX}{}", t.id),
            t.label(),
            true,
            None::<&str>,
        )?;
        menu.append(&item)?;
    }
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&MenuItem::with_id(
        app,
        SHOW,
        "Show Outpost",
        true,
        None::<&str>,
    )?)?;
    menu.append(&MenuItem::with_id(app, QUIT, "Quit", true, None::<&str>)?)?;
    Ok(menu)
}

fn on_menu(app: &AppHandle, event: MenuEvent) {
    let id = event.id.as_ref();
    if id == SHOW {
        show_window(app);
    } else if id == QUIT {
        app.exit(0);
    } else if let Some(ticket) = id.strip_prefix(TICKET_PREFIX)
        && let Ok(uuid) = ticket.parse()
    {
        open(
            app,
            &OpenTarget::Ticket {
                ticket_id: TicketId(uuid),
            },
        );
    }
}

fn summary(app: &AppHandle) -> Option<SlaAlerts> {
    match app.state::<AppState>().with(|s| s.sla_alerts(TOP)) {
        Ok(a) => Some(a),
        Err(e) => {
            tracing::warn!("tray summary: {}", e.message);
            None
        }
    }
}

/// Creates the tray icon with the current summary.
pub fn create(app: &AppHandle) {
    let alerts = summary(app).unwrap_or_default();
    let built = menu(app, &alerts).and_then(|m| {
        let mut b = TrayIconBuilder::with_id(TRAY_ID)
            .menu(&m)
            .show_menu_on_left_click(true)
            .tooltip(tooltip(&alerts))
            .title(alerts.summary())
            .on_menu_event(on_menu);
        if let Some(icon) = app.default_window_icon() {
            b = b.icon(icon.clone());
        }
        b.build(app)
    });
    match built {
        Ok(_) => {
            *SHOWN.lock().unwrap_or_else(|p| p.into_inner()) = Some(alerts);
        }
        Err(e) => tracing::warn!("no tray icon on this system: {e}"),
    }
}

/// Brings the tray up to date if the summary changed.
pub fn refresh(app: &AppHandle) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let Some(alerts) = summary(app) else { return };
    {
        let mut shown = SHOWN.lock().unwrap_or_else(|p| p.into_inner());
        if shown.as_ref() == Some(&alerts) {
            return;
        }
        *shown = Some(alerts.clone());
    }
    tracing::info!("tray: {}", alerts.summary());
    let result = menu(app, &alerts).and_then(|m| {
        tray.set_menu(Some(m))?;
        tray.set_tooltip(Some(tooltip(&alerts)))?;
        tray.set_title(Some(alerts.summary()))
    });
    if let Err(e) = result {
        tracing::warn!("could not update the tray: {e}");
    }
}

/// Whether closing the window should only hide it (Settings > Notifications).
pub fn keep_in_tray(app: &AppHandle) -> bool {
    app.tray_by_id(TRAY_ID).is_some()
        && app
            .state::<AppState>()
            .with(|s| s.notification_prefs())
            .map(|p| p.keep_in_tray)
            .unwrap_or(false)
}
