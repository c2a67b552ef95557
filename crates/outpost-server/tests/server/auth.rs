//! Sign-in, rate limiting, revocation, roles, and the public endpoints.

use crate::both;
use crate::common::*;
use anyhow::Result;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn wrong_password_is_401_and_protected_routes_need_a_token(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let ws = s.workspace("Acme").await?;
    let res = s
        .http
        .post(format!("{}/api/v1/auth/login", s.base))
        .json(&json!({ "email": ws.agent.email, "password": "not the password" }))
        .send()
        .await?;
    assert_eq!(
        expect_error(res, StatusCode::UNAUTHORIZED).await?,
        "unauthorized"
    );
    let res = s
        .http
        .post(format!("{}/api/v1/auth/login", s.base))
        .json(&json!({ "email": "nobody@nowhere.test", "password": "whatever1" }))
        .send()
        .await?;
    assert_eq!(
        expect_error(res, StatusCode::UNAUTHORIZED).await?,
        "unauthorized",
        "unknown email looks the same"
    );
    let res = s
        .http
        .get(format!("{}/api/v1/tickets", s.base))
        .send()
        .await?;
    expect_error(res, StatusCode::UNAUTHORIZED).await?;
    let res = s
        .req(Method::GET, "/api/v1/tickets", "garbage")
        .send()
        .await?;
    expect_error(res, StatusCode::UNAUTHORIZED).await?;
    let res = s.http.get(format!("{}/healthz", s.base)).send().await?;
    assert_eq!(res.status(), StatusCode::OK, "healthz needs no token");
    let metrics = s
        .http
        .get(format!("{}/metrics", s.base))
        .send()
        .await?
        .text()
        .await?;
    assert!(
        metrics.contains("outpost_"),
        "metrics are Prometheus text: {metrics}"
    );
    Ok(())
}

async fn repeated_failures_are_rate_limited(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let ws = s.workspace("Acme").await?;
    let login = |password: &'static str| {
        s.http
            .post(format!("{}/api/v1/auth/login", s.base))
            .json(&json!({ "email": ws.agent.email, "password": password }))
            .send()
    };
    for _ in 0..test_config().login_max_failures {
        expect_error(login("wrong-password").await?, StatusCode::UNAUTHORIZED).await?;
    }
    let code = expect_error(login(PASSWORD).await?, StatusCode::TOO_MANY_REQUESTS).await?;
    assert_eq!(
        code, "rate_limited",
        "even the right password waits out the window"
    );
    // Another account from the same address is not affected.
    s.login(&ws.admin.email, PASSWORD).await?;
    Ok(())
}

async fn logout_revokes_the_token(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let ws = s.workspace("Acme").await?;
    let res = s
        .req(Method::GET, "/api/v1/auth/me", &ws.token)
        .send()
        .await?;
    let me = expect(res, StatusCode::OK).await?;
    assert_eq!(me["agent"]["email"], ws.agent.email.as_str());
    assert_eq!(me["workspace"]["id"], ws.workspace.id.to_string().as_str());
    let res = s
        .req(Method::POST, "/api/v1/auth/logout", &ws.token)
        .send()
        .await?;
    expect(res, StatusCode::NO_CONTENT).await?;
    let res = s
        .req(Method::GET, "/api/v1/tickets", &ws.token)
        .send()
        .await?;
    expect_error(res, StatusCode::UNAUTHORIZED).await?;
    let res = s
        .req(Method::GET, "/api/v1/tickets", &ws.admin_token)
        .send()
        .await?;
    expect(res, StatusCode::OK).await?;
    Ok(())
}

async fn settings_need_the_admin_role(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let ws = s.workspace("Acme").await?;
    let body = json!([{ "name": "Hardware" }]);
    let res = s
        .req(Method::PUT, "/api/v1/categories", &ws.token)
        .json(&body)
        .send()
        .await?;
    assert_eq!(expect_error(res, StatusCode::FORBIDDEN).await?, "forbidden");
    let res = s
        .req(Method::PUT, "/api/v1/categories", &ws.admin_token)
        .json(&body)
        .send()
        .await?;
    let cats = expect(res, StatusCode::OK).await?;
    assert_eq!(cats[0]["name"], "Hardware");
    let new_agent = json!({ "email": "ben@acme.test", "name": "Ben", "password": "long enough pw", "role": "agent" });
    let res = s
        .req(Method::POST, "/api/v1/agents", &ws.token)
        .json(&new_agent)
        .send()
        .await?;
    expect_error(res, StatusCode::FORBIDDEN).await?;
    let res = s
        .req(Method::POST, "/api/v1/agents", &ws.admin_token)
        .json(&new_agent)
        .send()
        .await?;
    let ben = expect(res, StatusCode::CREATED).await?;
    s.login("ben@acme.test", "long enough pw").await?;
    let path = format!("/api/v1/agents/{}", ben["id"].as_str().unwrap_or_default());
    let res = s
        .req(Method::PUT, &path, &ws.admin_token)
        .json(&json!({ "role": "admin" }))
        .send()
        .await?;
    assert_eq!(expect(res, StatusCode::OK).await?["role"], "admin");
    let res = s
        .req(Method::GET, "/api/v1/agents", &ws.token)
        .send()
        .await?;
    assert_eq!(
        expect(res, StatusCode::OK).await?.as_array().map(Vec::len),
        Some(3)
    );
    let sla = s.get("/api/v1/settings/sla", &ws.token).await?;
    let res = s
        .req(Method::PUT, "/api/v1/settings/sla", &ws.token)
        .json(&sla)
        .send()
        .await?;
    assert_eq!(expect_error(res, StatusCode::FORBIDDEN).await?, "forbidden");
    let res = s
        .req(Method::PUT, "/api/v1/settings/sla", &ws.admin_token)
        .json(&sla)
        .send()
        .await?;
    assert_eq!(expect(res, StatusCode::OK).await?, sla);
    Ok(())
}

async fn openapi_documents_every_route(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let doc = expect(
        s.http
            .get(format!("{}/api/openapi.json", s.base))
            .send()
            .await?,
        StatusCode::OK,
    )
    .await?;
    let expected = [
        ("get", "/healthz"),
        ("get", "/metrics"),
        ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/auth/logout"),
        ("get", "/api/v1/auth/me"),
        ("get", "/api/v1/tickets"),
        ("post", "/api/v1/tickets"),
        ("get", "/api/v1/tickets/export.csv"),
        ("get", "/api/v1/tickets/{number}"),
        ("patch", "/api/v1/tickets/{number}"),
        ("get", "/api/v1/tickets/{number}/comments"),
        ("post", "/api/v1/tickets/{number}/comments"),
        ("get", "/api/v1/tickets/{number}/history"),
        ("get", "/api/v1/conversations"),
        ("post", "/api/v1/conversations"),
        ("get", "/api/v1/conversations/{id}"),
        ("post", "/api/v1/conversations/{id}/messages"),
        ("post", "/api/v1/conversations/{id}/ticket"),
        ("get", "/api/v1/agents"),
        ("post", "/api/v1/agents"),
        ("put", "/api/v1/agents/{id}"),
        ("get", "/api/v1/categories"),
        ("put", "/api/v1/categories"),
        ("get", "/api/v1/settings/sla"),
        ("put", "/api/v1/settings/sla"),
        ("get", "/api/v1/rules"),
        ("put", "/api/v1/rules"),
        ("post", "/api/v1/rules/dry-run"),
        ("post", "/api/v1/sync/register"),
        ("post", "/api/v1/sync/push"),
        ("post", "/api/v1/sync/pull"),
        ("get", "/api/v1/sync/bootstrap"),
        ("get", "/api/v1/sync/events"),
        ("get", "/api/v1/kb/articles"),
        ("post", "/api/v1/kb/articles"),
        ("get", "/api/v1/kb/articles/{id}"),
        ("put", "/api/v1/kb/articles/{id}"),
        ("delete", "/api/v1/kb/articles/{id}"),
        ("get", "/api/v1/settings/ai"),
        ("put", "/api/v1/settings/ai"),
        ("delete", "/api/v1/settings/ai"),
        ("post", "/api/v1/tickets/{number}/insights/summary"),
    ];
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    let documented: usize = paths
        .values()
        .map(|p| p.as_object().map_or(0, |o| o.len()))
        .sum();
    for (method, path) in expected {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} must be in the OpenAPI document"
        );
        // And the route really exists (anything but a 404/405 from the router).
        let res = s
            .http
            .request(
                method.to_uppercase().parse()?,
                format!(
                    "{}{}",
                    s.base,
                    path.replace("{number}", "1").replace("{id}", "x")
                ),
            )
            .send()
            .await?;
        assert_ne!(
            res.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path} is routed"
        );
    }
    assert_eq!(
        documented,
        expected.len(),
        "the document lists exactly the routes"
    );
    Ok(())
}

both!(
    wrong_password_is_401_and_protected_routes_need_a_token,
    repeated_failures_are_rate_limited,
    logout_revokes_the_token,
    settings_need_the_admin_role,
    openapi_documents_every_route,
);
