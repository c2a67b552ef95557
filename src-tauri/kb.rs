//! Commands of the Knowledge base view and the AI Insights tab: each calls
//! one `outpost-client` function. Article edits are local writes queued for
//! the server like every change; links from articles open in the system
//! browser, http(s) only.

use crate::commands::{CmdResult, changed};
use crate::state::AppState;
use outpost_core::{
    ErrorDto, GeneratedSummary, KbArticle, KbArticleId, KbArticleInput, KbHit, TicketId,
    TicketInsights,
};
use tauri::{AppHandle, State};

/// Longest link the app opens.
const MAX_URL_CHARS: usize = 2_048;

#[tauri::command]
pub(crate) fn search_kb(
    state: State<'_, AppState>,
    query: String,
    limit: u32,
) -> CmdResult<Vec<KbHit>> {
    state.with(|s| s.search_kb(&query, limit as usize))
}

#[tauri::command]
pub(crate) fn get_kb_article(state: State<'_, AppState>, id: KbArticleId) -> CmdResult<KbArticle> {
    state.with(|s| s.kb_article(id))
}

#[tauri::command]
pub(crate) fn save_kb_article(
    app: AppHandle,
    state: State<'_, AppState>,
    id: Option<KbArticleId>,
    article: KbArticleInput,
) -> CmdResult<KbArticle> {
    let saved = state.with(|s| s.put_kb_article(id, &article))?;
    changed(&app);
    Ok(saved)
}

#[tauri::command]
pub(crate) fn delete_kb_article(
    app: AppHandle,
    state: State<'_, AppState>,
    id: KbArticleId,
) -> CmdResult<()> {
    state.with(|s| s.delete_kb_article(id))?;
    changed(&app);
    Ok(())
}

#[tauri::command]
pub(crate) fn get_ticket_insights(
    state: State<'_, AppState>,
    id: TicketId,
) -> CmdResult<TicketInsights> {
    state.with(|s| s.ticket_insights(id))
}

/// Asks the server for a generated summary of a ticket (online only),
/// caches it on this device and returns it.
#[tauri::command]
pub(crate) async fn request_ticket_summary(
    state: State<'_, AppState>,
    sync_state: State<'_, crate::sync::SyncState>,
    id: TicketId,
) -> CmdResult<GeneratedSummary> {
    let client = sync_state.client().ok_or_else(|| {
        ErrorDto::new(
            "offline",
            "generated summaries need a connection to your Outpost server; sign in first",
        )
    })?;
    let number = state
        .with(|s| s.ticket_detail(id))?
        .card
        .ticket
        .number
        .ok_or_else(|| {
            ErrorDto::new(
                "not_synced",
                "this ticket has no number yet: wait until it has synced",
            )
        })?;
    let summary = client
        .ticket_summary(number.0)
        .await
        .map_err(|e| ErrorDto::new(e.code(), e.to_string()))?;
    state.with(|s| s.cache_summary(id, &summary))?;
    Ok(summary)
}

/// Checks that `url` is an absolute http(s) link the app may hand to the
/// system browser.
pub(crate) fn check_link(url: &str) -> Result<tauri::Url, ErrorDto> {
    let bad = |why: &str| ErrorDto::new("invalid_value", format!("cannot open this link: {why}"));
    if url.chars().count() > MAX_URL_CHARS {
        return Err(bad("it is too long"));
    }
    let parsed = tauri::Url::parse(url.trim()).map_err(|_| bad("it is not a valid address"))?;
    match parsed.scheme() {
        "http" | "https" if parsed.host_str().is_some() => Ok(parsed),
        _ => Err(bad("only http and https links open")),
    }
}

/// Opens an article's link in the system browser (http and https only).
#[tauri::command]
pub(crate) fn open_external_link(url: String) -> CmdResult<()> {
    let url = check_link(&url)?;
    tauri_plugin_opener::open_url(url.as_str(), None::<&str>)
        .map_err(|e| ErrorDto::new("open_failed", format!("could not open the link: {e}")))
}

#[cfg(test)]
mod tests {
    use super::check_link;

    #[test]
    fn only_http_links_open() {
        assert!(check_link("https://example.com/a?b=c").is_ok());
        assert!(check_link("http://intranet.local/kb").is_ok());
        for bad in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "data:text/html,x",
            "mailto:a@b.c",
            "/relative",
            "",
        ] {
            assert!(check_link(bad).is_err(), "{bad}");
        }
    }
}
