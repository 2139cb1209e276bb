//! An application that installs, binds `ONCRMDEALADD` and logs the deals
//! it is told about, run against the loopback emulator (a portal and its
//! authorization server on 127.0.0.1) in the same process.
//!
//! ```sh
//! cargo run -p bitrix24-app --features axum --example deals
//! ```
//!
//! What happens: the emulated portal posts `ONAPPINSTALL` to `/install`;
//! the application stores the portal (SQLite in a temporary folder) and
//! binds `ONCRMDEALADD` to `/events` with `event.bind`; the portal posts a
//! deal event (form-encoded, as Bitrix24 does); the application verifies
//! it, reads the deal with `crm.deal.get` and logs it. A forged event is
//! answered 401, and a placement request is decoded.

#[path = "../tests/support/emulator.rs"]
mod emulator;

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use bitrix24::crm::events::OnCrmDealAdd;
use bitrix24::{crm, event};
use bitrix24_app::axum::{Installed, PlacementFrame, VerifiedEvent};
use bitrix24_app::{App, SqliteStore};
use bitrix24_runtime::OAuthApp;

#[derive(Clone)]
struct AppState {
    app: App,
    events_url: String,
}

impl axum::extract::FromRef<AppState> for App {
    fn from_ref(s: &AppState) -> App {
        s.app.clone()
    }
}

async fn install(
    State(s): State<AppState>,
    Installed(portal): Installed,
) -> Result<&'static str, StatusCode> {
    let client = s.app.pool().client(&portal.member_id).await.map_err(|e| {
        tracing::error!(error = %e, "no client");
        StatusCode::INTERNAL_SERVER_ERROR
    })?;
    // The event is named by its generated payload type.
    let bind = event::Bind::for_event::<OnCrmDealAdd>(s.events_url.clone());
    client.call(bind).await.map_err(|e| {
        tracing::error!(error = %e, "event.bind failed");
        StatusCode::BAD_GATEWAY
    })?;
    tracing::info!(member_id = %portal.member_id, "installed; ONCRMDEALADD bound");
    Ok("installed")
}

async fn events(
    State(s): State<AppState>,
    VerifiedEvent(event): VerifiedEvent,
) -> Result<&'static str, StatusCode> {
    // Decoded by the event's name into the generated enum.
    let event = event
        .typed::<bitrix24::Event>()
        .map_err(|_| StatusCode::BAD_REQUEST)?;
    match &event.data {
        bitrix24::Event::OnCrmDealAdd(data) => {
            let id = data
                .fields
                .as_ref()
                .and_then(|f| f.id)
                .ok_or(StatusCode::BAD_REQUEST)?;
            let client = s
                .app
                .pool()
                .client(&event.portal().member_id)
                .await
                .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
            let deal = client
                .call(crm::deal::Get::new(id))
                .await
                .map_err(|_| StatusCode::BAD_GATEWAY)?;
            tracing::info!(
                id = ?deal.id,
                title = ?deal.title,
                opportunity = ?deal.opportunity,
                custom_fields = ?deal.uf_crm,
                "deal added"
            );
        }
        bitrix24::Event::OnAppUninstall(_) => {
            s.app
                .on_app_uninstall(&event)
                .await
                .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
        }
        other => tracing::info!(event = other.name(), "event ignored"),
    }
    Ok("ok")
}

async fn placement(PlacementFrame(req): PlacementFrame) -> String {
    tracing::info!(placement = %req.placement, options = ?req.options, "placement opened");
    format!("placement {}", req.placement)
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt().with_target(false).init();
    let portal = emulator::Emulator::start().await;
    let dir = std::env::temp_dir().join(format!("bitrix24-app-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let store = Arc::new(SqliteStore::open(dir.join("portals.db")).expect("sqlite"));
    let app = App::new(
        OAuthApp::new(emulator::CLIENT_ID, emulator::CLIENT_SECRET).token_url(portal.token_url()),
        store,
    )
    .configure_clients(|b| b.allow_http(true));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let state = AppState {
        app,
        events_url: format!("{base}/events"),
    };
    let router = Router::new()
        .route("/install", post(install))
        .route("/events", post(events))
        .route("/placement", post(placement))
        .with_state(state);
    tokio::spawn(async move { axum::serve(listener, router).await });
    tracing::info!(app = %base, portal = %portal.base, "application and emulated portal listening on the loopback");

    // The portal's side: what Bitrix24 would post.
    let http = reqwest::Client::new();
    let form = "application/x-www-form-urlencoded";
    let (access, refresh) = portal.issue("member-demo");
    let install_body = format!(
        "event=ONAPPINSTALL&data[VERSION]=1&data[LANGUAGE_ID]=en&ts=1700000000\
         &auth[access_token]={access}&auth[refresh_token]={refresh}&auth[expires_in]=3600\
         &auth[domain]=portal.emulated&auth[client_endpoint]={}&auth[member_id]=member-demo\
         &auth[application_token]=apptoken-demo&auth[status]=L",
        portal.client_endpoint()
    );
    let post = |path: &str, body: String| {
        http.post(format!("{base}{path}"))
            .header("content-type", form)
            .body(body)
            .send()
    };
    let r = post("/install", install_body).await.expect("install");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let bound = portal.emu.bound.lock().unwrap().clone();
    tracing::info!(?bound, "the portal's bound handlers");
    let (event, handler) = bound.first().cloned().expect("a handler bound");

    let deal = "event=ONCRMDEALADD&event_handler_id=1&data%5BFIELDS%5D%5BID%5D=42&ts=1700000100\
                &auth%5Bdomain%5D=portal.emulated&auth%5Bmember_id%5D=member-demo\
                &auth%5Bapplication_token%5D=apptoken-demo";
    let r = http
        .post(&handler)
        .header("content-type", form)
        .body(deal)
        .send()
        .await
        .expect("event");
    tracing::info!(event, status = r.status().as_u16(), "deal event delivered");
    assert_eq!(r.status(), 200);

    let forged = deal.replace("apptoken-demo", "guessed");
    let r = http
        .post(&handler)
        .header("content-type", form)
        .body(forged)
        .send()
        .await
        .expect("event");
    tracing::info!(status = r.status().as_u16(), body = %r.text().await.unwrap_or_default(), "forged event");

    let r = post(
        "/placement?DOMAIN=portal.emulated&PROTOCOL=1&LANG=en&APP_SID=abc",
        format!("AUTH_ID={access}&AUTH_EXPIRES=3600&member_id=member-demo&PLACEMENT=CRM_DEAL_DETAIL_TAB&PLACEMENT_OPTIONS=%7B%22ID%22%3A%2242%22%7D"),
    )
    .await
    .expect("placement");
    tracing::info!(answer = %r.text().await.unwrap_or_default(), "placement request");
    let _ = std::fs::remove_dir_all(&dir);
}
