//! The axum extractors over HTTP on the loopback: install, a verified
//! event, refusals with their statuses, a placement request.
#![cfg(feature = "axum")]

mod support;

use std::sync::Arc;

use axum::routing::post;
use axum::Router;
use bitrix24_app::axum::{Installed, PlacementFrame, VerifiedEvent};
use bitrix24_app::{App, MemoryStore};
use bitrix24_runtime::OAuthApp;
use support::emulator::{Emulator, CLIENT_ID, CLIENT_SECRET};

async fn installed(Installed(p): Installed) -> String {
    p.member_id
}

async fn event(VerifiedEvent(e): VerifiedEvent) -> String {
    format!(
        "{} {}",
        e.event,
        e.data["FIELDS"]["ID"].as_str().unwrap_or("")
    )
}

async fn placement(PlacementFrame(p): PlacementFrame) -> String {
    format!("{} {}", p.placement, p.options["ID"])
}

#[tokio::test]
async fn extractors_answer_with_typed_statuses() {
    let emu = Emulator::start().await;
    let app = App::new(
        OAuthApp::new(CLIENT_ID, CLIENT_SECRET).token_url(emu.token_url()),
        Arc::new(MemoryStore::new()),
    );
    let router = Router::new()
        .route("/install", post(installed))
        .route("/event", post(event))
        .route("/placement", post(placement))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let http = reqwest::Client::new();
    let post = |path: &str, body: Vec<u8>| {
        http.post(format!("{base}{path}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let answer = |r: reqwest::Response| async move {
        let status = r.status().as_u16();
        (status, r.text().await.unwrap())
    };

    let (a, r) = emu.issue("m1");
    let install = format!(
        "event=ONAPPINSTALL&auth[access_token]={a}&auth[refresh_token]={r}&auth[domain]=p.example\
         &auth[client_endpoint]={}&auth[member_id]=m1&auth[application_token]=tok-SECRET",
        emu.client_endpoint()
    );
    assert_eq!(
        answer(post("/install", install.into_bytes()).await.unwrap()).await,
        (200, "m1".into())
    );

    let deal = "event=ONCRMDEALADD&data[FIELDS][ID]=42&auth[member_id]=m1&auth[application_token]=tok-SECRET";
    assert_eq!(
        answer(post("/event", deal.into()).await.unwrap()).await,
        (200, "ONCRMDEALADD 42".into())
    );
    let forged = deal.replace("tok-SECRET", "tok-guess");
    let (status, text) = answer(post("/event", forged.into()).await.unwrap()).await;
    assert_eq!(status, 401);
    assert!(
        !text.contains("SECRET") && text.contains("does not match"),
        "{text}"
    );
    let (status, _) = answer(
        post("/event", deal.replace("m1", "m2").into())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401);
    let (status, _) = answer(post("/event", vec![b'a'; 10 * 1024 * 1024]).await.unwrap()).await;
    assert_eq!(status, 413);
    let deep = format!("event=X&a{}=1", "[b]".repeat(30));
    assert_eq!(
        answer(post("/event", deep.into()).await.unwrap()).await.0,
        400
    );
    let json = http
        .post(format!("{base}/event"))
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), 415);

    let frame = http
        .post(format!("{base}/placement?DOMAIN=p.example&PROTOCOL=1"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("AUTH_ID=x&member_id=m1&PLACEMENT=CRM_DEAL_DETAIL_TAB&PLACEMENT_OPTIONS=%7B%22ID%22%3A%2242%22%7D")
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer(frame).await,
        (200, "CRM_DEAL_DETAIL_TAB \"42\"".into())
    );
}
