//! The knowledge base over REST and sync: admins write, agents read, bad
//! input is refused with nothing changed, another workspace sees nothing,
//! pulls carry articles and deletions, and pushed edits are admin-only and
//! last-writer-wins against deletes.

use crate::both;
use crate::common::*;
use anyhow::Result;
use outpost_core::sync::{MutationOp, MutationStatus, PullResponse};
use outpost_core::{KbArticle, KbArticleId, KbArticleInput};
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

const ARTICLES: &str = "/api/v1/kb/articles";

async fn pull_all(s: &TestServer, token: &str) -> Result<PullResponse> {
    let res = s
        .req(Method::POST, "/api/v1/sync/pull", token)
        .json(&json!({}))
        .send()
        .await?;
    Ok(serde_json::from_value(expect(res, StatusCode::OK).await?)?)
}

async fn admins_write_agents_read(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let w = s.workspace("Kb").await?;
    let body = json!({ "title": "VPN drops", "body": "Use **IKEv2**. <script>x</script>", "tags": ["VPN", "network", "vpn"] });
    let created: KbArticle = serde_json::from_value(
        expect(
            s.req(Method::POST, ARTICLES, &w.admin_token)
                .json(&body)
                .send()
                .await?,
            StatusCode::CREATED,
        )
        .await?,
    )?;
    assert_eq!(created.tags, vec!["vpn", "network"]);
    assert_eq!(created.updated_by, Some(w.admin.id));
    assert!(
        created.body.contains("<script>"),
        "stored as written; clients render text"
    );

    // Agents read, never write.
    let list: Vec<KbArticle> = serde_json::from_value(s.get(ARTICLES, &w.token).await?)?;
    assert_eq!(list, vec![created.clone()]);
    let one = format!("{ARTICLES}/{}", created.id);
    s.get(&one, &w.token).await?;
    for (m, path) in [
        (Method::POST, ARTICLES.to_owned()),
        (Method::PUT, one.clone()),
    ] {
        let code = expect_error(
            s.req(m, &path, &w.token).json(&body).send().await?,
            StatusCode::FORBIDDEN,
        )
        .await?;
        assert_eq!(code, "forbidden");
    }
    assert_eq!(
        expect_error(
            s.req(Method::DELETE, &one, &w.token).send().await?,
            StatusCode::FORBIDDEN
        )
        .await?,
        "forbidden"
    );
    // No token, no access.
    let res = s.http.get(format!("{}{ARTICLES}", s.base)).send().await?;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // Bad input: clear errors, nothing changed.
    let empty = json!({ "title": " ", "body": "x" });
    assert_eq!(
        expect_error(
            s.req(Method::POST, ARTICLES, &w.admin_token)
                .json(&empty)
                .send()
                .await?,
            StatusCode::BAD_REQUEST
        )
        .await?,
        "empty_field"
    );
    let long = json!({ "title": "Long", "body": "x".repeat(outpost_core::MAX_ARTICLE_CHARS + 1) });
    assert_eq!(
        expect_error(
            s.req(Method::POST, ARTICLES, &w.admin_token)
                .json(&long)
                .send()
                .await?,
            StatusCode::BAD_REQUEST
        )
        .await?,
        "too_long"
    );
    let tags: Vec<String> = (0..=outpost_core::MAX_TAGS)
        .map(|i| format!("t{i}"))
        .collect();
    let many = json!({ "title": "Tags", "body": "", "tags": tags });
    assert_eq!(
        expect_error(
            s.req(Method::POST, ARTICLES, &w.admin_token)
                .json(&many)
                .send()
                .await?,
            StatusCode::BAD_REQUEST
        )
        .await?,
        "invalid_value"
    );
    let huge = "y".repeat(2 * 1024 * 1024);
    let res = s
        .req(Method::POST, ARTICLES, &w.admin_token)
        .header("content-type", "application/json")
        .body(format!("{{\"title\":\"Huge\",\"body\":\"{huge}\"}}"))
        .send()
        .await?;
    assert_eq!(
        res.status(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "the body limit applies"
    );
    let missing = format!("{ARTICLES}/{}", Uuid::now_v7());
    assert_eq!(
        expect_error(
            s.req(Method::PUT, &missing, &w.admin_token)
                .json(&body)
                .send()
                .await?,
            StatusCode::NOT_FOUND
        )
        .await?,
        "not_found"
    );
    let list: Vec<KbArticle> = serde_json::from_value(s.get(ARTICLES, &w.token).await?)?;
    assert_eq!(list.len(), 1, "nothing was added by bad requests");

    // Replace, then delete.
    let edit = json!({ "title": "VPN drops often", "body": "Switch protocol.", "tags": [] });
    let edited: KbArticle = serde_json::from_value(
        expect(
            s.req(Method::PUT, &one, &w.admin_token)
                .json(&edit)
                .send()
                .await?,
            StatusCode::OK,
        )
        .await?,
    )?;
    assert_eq!(edited.title, "VPN drops often");
    expect(
        s.req(Method::DELETE, &one, &w.admin_token).send().await?,
        StatusCode::NO_CONTENT,
    )
    .await?;
    assert_eq!(
        expect_error(
            s.req(Method::GET, &one, &w.token).send().await?,
            StatusCode::NOT_FOUND
        )
        .await?,
        "not_found"
    );
    assert_eq!(
        expect_error(
            s.req(Method::DELETE, &one, &w.admin_token).send().await?,
            StatusCode::NOT_FOUND
        )
        .await?,
        "not_found"
    );

    // The OpenAPI document lists the endpoints.
    let doc = s.get("/api/openapi.json", &w.token).await?;
    assert!(doc["paths"]["/api/v1/kb/articles"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/kb/articles/{id}"]["delete"].is_object());
    Ok(())
}

async fn pulls_carry_articles_and_deletions(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let w = s.workspace("Feed").await?;
    let first = pull_all(&s, &w.token).await?;
    let body = json!({ "title": "Printer offline", "body": "Re-add it." });
    let a: KbArticle = serde_json::from_value(
        expect(
            s.req(Method::POST, ARTICLES, &w.admin_token)
                .json(&body)
                .send()
                .await?,
            StatusCode::CREATED,
        )
        .await?,
    )?;
    let res = s
        .req(Method::POST, "/api/v1/sync/pull", &w.token)
        .json(&json!({ "cursor": first.next_cursor }))
        .send()
        .await?;
    let page: PullResponse = serde_json::from_value(expect(res, StatusCode::OK).await?)?;
    assert_eq!(page.changes.kb_articles, vec![a.clone()]);
    expect(
        s.req(
            Method::DELETE,
            &format!("{ARTICLES}/{}", a.id),
            &w.admin_token,
        )
        .send()
        .await?,
        StatusCode::NO_CONTENT,
    )
    .await?;
    let res = s
        .req(Method::POST, "/api/v1/sync/pull", &w.token)
        .json(&json!({ "cursor": page.next_cursor }))
        .send()
        .await?;
    let page: PullResponse = serde_json::from_value(expect(res, StatusCode::OK).await?)?;
    assert!(page.changes.kb_articles.is_empty());
    assert_eq!(page.changes.kb_deleted, vec![a.id]);
    // A new device's bootstrap holds no deleted article... as a live one.
    let boot = pull_all(&s, &w.token).await?;
    assert!(boot.changes.kb_articles.is_empty());
    Ok(())
}

async fn pushed_edits_are_admin_only_and_the_newest_wins(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let w = s.workspace("Push").await?;
    let id = KbArticleId(Uuid::now_v7());
    let input = |title: &str| KbArticleInput {
        title: title.into(),
        body: "body".into(),
        tags: vec![],
    };
    let t0 = now_ms();
    let mut admin_dev = s.device(&w.admin_token, w.admin.id).await?;
    let put = |title: &str| MutationOp::PutKbArticle {
        id,
        article: input(title),
        updated_at: chrono::Utc::now(),
    };
    let res = s
        .push(
            &w.admin_token,
            admin_dev.id,
            vec![
                admin_dev.op(t0, put("Offline edit")),
                admin_dev.op(t0 + 10, MutationOp::DeleteKbArticle { id }),
            ],
        )
        .await?;
    assert!(
        res.results
            .iter()
            .all(|r| r.status == MutationStatus::Applied),
        "{res:?}"
    );
    // An older edit (made offline before the delete) does not bring it back.
    let res = s
        .push(
            &w.admin_token,
            admin_dev.id,
            vec![admin_dev.op(t0 + 5, put("Stale edit"))],
        )
        .await?;
    assert_eq!(res.results[0].status, MutationStatus::Applied);
    let missing = format!("{ARTICLES}/{id}");
    expect_error(
        s.req(Method::GET, &missing, &w.token).send().await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    // A newer one does.
    s.push(
        &w.admin_token,
        admin_dev.id,
        vec![admin_dev.op(t0 + 20, put("Restored"))],
    )
    .await?;
    let got: KbArticle = serde_json::from_value(s.get(&missing, &w.token).await?)?;
    assert_eq!(got.title, "Restored");

    // Agents' pushed edits are rejected, the rest of the outbox still applies.
    let mut agent_dev = s.device(&w.token, w.agent.id).await?;
    let bad = MutationOp::PutKbArticle {
        id,
        article: input("Agent edit"),
        updated_at: chrono::Utc::now(),
    };
    let res = s
        .push(&w.token, agent_dev.id, vec![agent_dev.op(t0 + 30, bad)])
        .await?;
    assert_eq!(res.results[0].status, MutationStatus::Rejected);
    assert_eq!(
        res.results[0].reason.as_ref().map(|r| r.code.as_str()),
        Some("forbidden")
    );
    let invalid = MutationOp::PutKbArticle {
        id,
        article: input("  "),
        updated_at: chrono::Utc::now(),
    };
    let res = s
        .push(
            &w.admin_token,
            admin_dev.id,
            vec![admin_dev.op(t0 + 40, invalid)],
        )
        .await?;
    assert_eq!(res.results[0].status, MutationStatus::Rejected);
    let got: KbArticle = serde_json::from_value(s.get(&missing, &w.token).await?)?;
    assert_eq!(got.title, "Restored", "rejected edits change nothing");
    Ok(())
}

async fn another_workspace_sees_no_article(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let a = s.workspace("Alpha").await?;
    let other = s.workspace("Beta").await?;
    let body = json!({ "title": "Beta secret", "body": "internal" });
    let art: KbArticle = serde_json::from_value(
        expect(
            s.req(Method::POST, ARTICLES, &other.admin_token)
                .json(&body)
                .send()
                .await?,
            StatusCode::CREATED,
        )
        .await?,
    )?;
    let path = format!("{ARTICLES}/{}", art.id);
    for token in [&a.token, &a.admin_token] {
        let list: Vec<KbArticle> = serde_json::from_value(s.get(ARTICLES, token).await?)?;
        assert!(list.is_empty());
        expect_error(
            s.req(Method::GET, &path, token).send().await?,
            StatusCode::NOT_FOUND,
        )
        .await?;
    }
    let edit = json!({ "title": "pwned", "body": "" });
    expect_error(
        s.req(Method::PUT, &path, &a.admin_token)
            .json(&edit)
            .send()
            .await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    expect_error(
        s.req(Method::DELETE, &path, &a.admin_token).send().await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    // Pushing to Beta's article id from Alpha writes Alpha's own article only.
    let mut dev = s.device(&a.admin_token, a.admin.id).await?;
    let op = MutationOp::DeleteKbArticle { id: art.id };
    s.push(&a.admin_token, dev.id, vec![dev.op(now_ms(), op)])
        .await?;
    let still: KbArticle = serde_json::from_value(s.get(&path, &other.token).await?)?;
    assert_eq!(still.title, "Beta secret");
    let page = pull_all(&s, &a.token).await?;
    assert!(page.changes.kb_articles.is_empty() && page.changes.kb_deleted.is_empty());
    Ok(())
}

both!(
    admins_write_agents_read,
    pulls_carry_articles_and_deletions,
    pushed_edits_are_admin_only_and_the_newest_wins,
    another_workspace_sees_no_article,
);
