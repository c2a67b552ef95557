//! The HTTP API (DESIGN §5): one module per resource, each handler a few
//! lines over `crate::store`. Every route is registered through utoipa-axum,
//! so the OpenAPI document at `/api/openapi.json` is built from the same
//! list as the router and cannot drift from it.
//!
//! Bodies are JSON in camelCase using the core types; errors are
//! `{code, message}` (see [`crate::error`]).

mod account;
mod ai;
mod conversations;
mod kb;
mod ops;
mod rules;
mod settings;
pub use settings::check_email;
mod sync;
mod tickets;

use crate::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Outpost server API", description = "Helpdesk tickets, SLA and offline sync."),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The routes and their OpenAPI document.
fn api(state: &AppState) -> OpenApiRouter<AppState> {
    let push = OpenApiRouter::new()
        .routes(routes!(sync::push))
        .layer(DefaultBodyLimit::max(state.config.push_body_limit));
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::metrics))
        .routes(routes!(account::login))
        .routes(routes!(account::logout))
        .routes(routes!(account::me))
        .routes(routes!(tickets::list_tickets, tickets::create_ticket))
        .routes(routes!(tickets::export_tickets))
        .routes(routes!(tickets::get_ticket, tickets::patch_ticket))
        .routes(routes!(tickets::list_comments, tickets::add_comment))
        .routes(routes!(tickets::list_history))
        .routes(routes!(
            conversations::list_conversations,
            conversations::create_conversation
        ))
        .routes(routes!(conversations::get_conversation))
        .routes(routes!(conversations::add_message))
        .routes(routes!(conversations::escalate))
        .routes(routes!(rules::get_rules, rules::put_rules))
        .routes(routes!(rules::dry_run))
        .routes(routes!(settings::list_agents, settings::create_agent))
        .routes(routes!(settings::update_agent))
        .routes(routes!(settings::list_categories, settings::put_categories))
        .routes(routes!(
            settings::get_sla_settings,
            settings::put_sla_settings
        ))
        .routes(routes!(kb::list_articles, kb::create_article))
        .routes(routes!(
            kb::get_article,
            kb::update_article,
            kb::delete_article
        ))
        .routes(routes!(
            ai::get_ai_settings,
            ai::put_ai_settings,
            ai::delete_ai_settings
        ))
        .routes(routes!(ai::summarize_ticket))
        .routes(routes!(sync::register))
        .routes(routes!(sync::pull))
        .routes(routes!(sync::bootstrap))
        .routes(routes!(sync::events))
        .layer(DefaultBodyLimit::max(state.config.body_limit))
        .merge(push)
}

/// The OpenAPI document of every route.
pub fn openapi(state: &AppState) -> utoipa::openapi::OpenApi {
    api(state).split_for_parts().1
}

/// The whole application: API routes, `/api/openapi.json`, metrics and
/// tracing layers. Needs no socket: tests may call it with `oneshot`.
pub fn router(state: AppState) -> Router {
    let (routes, doc) = api(&state).split_for_parts();
    let doc = std::sync::Arc::new(doc);
    routes
        .route(
            "/api/openapi.json",
            axum::routing::get(move || {
                let doc = doc.clone();
                async move { axum::Json((*doc).clone()) }
            }),
        )
        .fallback(ops::not_found)
        .layer(middleware::from_fn(count_requests))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Counts requests by route and status for `/metrics`.
async fn count_requests(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().to_string();
    let res = next.run(req).await;
    metrics::counter!(
        "outpost_http_requests_total",
        "method" => method,
        "route" => route,
        "status" => res.status().as_u16().to_string()
    )
    .increment(1);
    res
}
