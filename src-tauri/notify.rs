//! Native OS notifications (notify-rust: D-Bus on Linux, Notification Center
//! on macOS, toasts on Windows). The store decides what to notify and
//! remembers what was notified (`Store::pending_notifications`); this module
//! only shows it. A missing notification service is logged once, never fatal.

use outpost_client::Notification;
use std::sync::atomic::{AtomicBool, Ordering};

static FAILED_ONCE: AtomicBool = AtomicBool::new(false);

/// Shows `n`; logs (once) when the platform has no notification service.
pub fn deliver(n: &Notification) {
    let mut note = notify_rust::Notification::new();
    note.appname("Outpost").summary(&n.title).body(&n.body);
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        note.urgency(if n.urgent {
            notify_rust::Urgency::Critical
        } else {
            notify_rust::Urgency::Normal
        });
    }
    match note.show() {
        Ok(_) => tracing::info!("notified: {}", n.title),
        Err(e) => {
            if !FAILED_ONCE.swap(true, Ordering::Relaxed) {
                tracing::warn!("notifications are unavailable on this system: {e}");
            }
        }
    }
}
