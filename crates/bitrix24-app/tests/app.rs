//! Installation, uninstallation, the code exchange, the pool and the
//! stores, against the loopback emulator.

mod support;

use std::sync::Arc;

use bitrix24_app::{
    App, Event, InstallError, Limits, MemoryStore, PlacementRequest, PoolError, Portal,
    PortalStore, Rejection, SqliteStore,
};
use bitrix24_runtime::{OAuthApp, Secret, Tokens};
use support::emulator::{Emulator, CLIENT_ID, CLIENT_SECRET};
use support::Probe;

fn app(emu: &Emulator, store: Arc<dyn PortalStore>) -> App {
    App::new(
        OAuthApp::new(CLIENT_ID, CLIENT_SECRET).token_url(emu.token_url()),
        store,
    )
    .allow_http(true)
    .configure_clients(|b| b.allow_http(true))
}

fn install_event(emu: &Emulator, member: &str, app_token: &str) -> Event {
    let (a, r) = emu.issue(member);
    let body = format!(
        "event=ONAPPINSTALL&data[VERSION]=1&data[ACTIVE]=Y&data[INSTALLED]=Y&data[LANGUAGE_ID]=en&ts=1700000000\
         &auth[access_token]={a}&auth[refresh_token]={r}&auth[expires_in]=3600&auth[domain]=portal.emulated\
         &auth[client_endpoint]={}&auth[server_endpoint]={}&auth[member_id]={member}\
         &auth[application_token]={app_token}&auth[status]=L&auth[scope]=crm",
        emu.client_endpoint(),
        emu.token_url()
    );
    Event::decode(body.as_bytes(), None, &Limits::default()).unwrap()
}

#[tokio::test]
async fn install_event_then_calls_then_uninstall() {
    let emu = Emulator::start().await;
    let store = Arc::new(MemoryStore::new());
    let app = app(&emu, store.clone());
    let portal = app
        .on_app_install(&install_event(&emu, "m1", "apptok-SECRET"))
        .await
        .unwrap();
    assert_eq!(portal.application_token, Some(Secret::new("apptok-SECRET")));
    assert!(!format!("{portal:?}").contains("SECRET"));
    let client = app.pool().client("m1").await.unwrap();
    client.call(Probe {}).await.unwrap();

    // A second ONAPPINSTALL with another token is refused and changes nothing.
    let forged = app
        .on_app_install(&install_event(&emu, "m1", "forged"))
        .await;
    assert!(matches!(
        forged,
        Err(InstallError::Rejected(Rejection::TokenMismatch { .. }))
    ));
    assert_eq!(
        store.get("m1").await.unwrap().unwrap().application_token,
        portal.application_token
    );

    // Uninstall: a verified ONAPPUNINSTALL removes the portal and its client.
    let body = "event=ONAPPUNINSTALL&data[CLEAN]=1&auth[member_id]=m1&auth[application_token]=apptok-SECRET";
    let event = app.verify_body(body.as_bytes(), None).await.unwrap();
    assert!(app.on_app_uninstall(&event).await.unwrap());
    assert!(store.get("m1").await.unwrap().is_none());
    assert!(matches!(
        app.pool().client("m1").await,
        Err(PoolError::UnknownPortal(_))
    ));
    // And events from it are refused from now on.
    assert!(matches!(
        app.verify_body(body.as_bytes(), None).await,
        Err(Rejection::UnknownPortal { .. })
    ));
}

#[tokio::test]
async fn install_callback_and_code_exchange() {
    let emu = Emulator::start().await;
    let store = Arc::new(MemoryStore::new());
    let app = app(&emu, store.clone());
    // The local application's install callback.
    let (a, r) = emu.issue("m2");
    let addr = emu.base.trim_start_matches("http://");
    let req = PlacementRequest::decode(
        Some(&format!("DOMAIN={addr}&PROTOCOL=0&LANG=en&APP_SID=sid")),
        format!(
            "AUTH_ID={a}&AUTH_EXPIRES=3600&REFRESH_ID={r}&member_id=m2&status=L&PLACEMENT=DEFAULT"
        )
        .as_bytes(),
        None,
        &Limits::default(),
    )
    .unwrap();
    let portal = app.on_install_callback(&req).await.unwrap();
    assert_eq!(portal.tokens.client_endpoint, emu.client_endpoint());
    app.pool()
        .client("m2")
        .await
        .unwrap()
        .call(Probe {})
        .await
        .unwrap();
    // A callback naming another address for a stored portal is refused.
    let moved = PlacementRequest::decode(
        Some("DOMAIN=evil.example&PROTOCOL=1"),
        b"AUTH_ID=x&REFRESH_ID=y&member_id=m2",
        None,
        &Limits::default(),
    )
    .unwrap();
    assert!(matches!(
        app.on_install_callback(&moved).await,
        Err(InstallError::EndpointChanged { .. })
    ));
    assert_eq!(
        store
            .get("m2")
            .await
            .unwrap()
            .unwrap()
            .tokens
            .client_endpoint,
        emu.client_endpoint()
    );
    // So is an ONAPPINSTALL naming another address before any token is stored.
    let body =
        "event=ONAPPINSTALL&auth[access_token]=a&auth[refresh_token]=r&auth[domain]=evil.example\
                &auth[member_id]=m2&auth[application_token]=t";
    let event = Event::decode(body.as_bytes(), None, &Limits::default()).unwrap();
    assert!(matches!(
        app.on_app_install(&event).await,
        Err(InstallError::EndpointChanged { .. })
    ));

    // The authorization-code exchange.
    let portal = app.exchange_code("code-for-m3").await.unwrap();
    assert_eq!(portal.member_id, "m3");
    assert_eq!(portal.scope.as_deref(), Some("crm"));
    app.pool()
        .client("m3")
        .await
        .unwrap()
        .call(Probe {})
        .await
        .unwrap();
    let bad = app.exchange_code("wrong").await.unwrap_err();
    assert!(
        matches!(bad, InstallError::Exchange(ref m) if m.contains("invalid_grant")),
        "{bad}"
    );
    assert!(!bad.to_string().contains(CLIENT_SECRET));
}

#[tokio::test]
async fn pool_keeps_one_client_per_portal_and_refreshes_each() {
    let emu = Emulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path().join("p.db")).unwrap());
    let app = app(&emu, store.clone());
    for m in ["p1", "p2"] {
        let (a, r) = emu.issue(m);
        store
            .put(&Portal::new(
                m,
                "portal.emulated",
                Tokens::new(a, r, emu.client_endpoint()),
            ))
            .await
            .unwrap();
    }
    let c1 = app.pool().client("p1").await.unwrap();
    let c2 = app.pool().client("p2").await.unwrap();
    c1.call(Probe {}).await.unwrap();
    c2.call(Probe {}).await.unwrap();
    assert_eq!(app.pool().len(), 2);
    assert_eq!(c1.requests_sent(), 1, "clients are separate");
    // Expiry of p1: one refresh, the new pair stored, p2 untouched.
    let before = store.get("p2").await.unwrap().unwrap();
    emu.expire("p1");
    app.pool()
        .client("p1")
        .await
        .unwrap()
        .call(Probe {})
        .await
        .unwrap();
    assert_eq!(emu.refreshes(), 1);
    let p1 = store.get("p1").await.unwrap().unwrap();
    assert_eq!(
        Some(p1.tokens.access_token),
        c1.tokens().map(|t| t.access_token)
    );
    assert_eq!(store.get("p2").await.unwrap().unwrap(), before);
    assert!(matches!(
        app.pool().client("nope").await,
        Err(PoolError::UnknownPortal(_))
    ));
}

async fn store_round_trip(store: &dyn PortalStore, member: &str) {
    let mut p = Portal::new(
        member,
        "d.example",
        Tokens::new("a1", "r1", "https://d.example/rest/"),
    );
    p.application_token = Some(Secret::new("t1"));
    p.scope = Some("crm".into());
    store.put(&p).await.unwrap();
    assert_eq!(store.get(member).await.unwrap().as_ref(), Some(&p));
    p.tokens = Tokens::new("a2", "r2", "https://d.example/rest/");
    store.put(&p).await.unwrap();
    assert_eq!(store.get(member).await.unwrap().as_ref(), Some(&p));
    let ts = store.token_store(&p);
    use bitrix24_runtime::TokenStore;
    assert_eq!(ts.load().unwrap().as_ref(), Some(&p.tokens));
    let t3 = Tokens::new("a3", "r3", "https://d.example/rest/");
    ts.save(&t3).unwrap();
    assert_eq!(store.get(member).await.unwrap().unwrap().tokens, t3);
    assert!(store.remove(member).await.unwrap());
    assert!(!store.remove(member).await.unwrap());
    assert!(store.get(member).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("s.db")).unwrap();
    store_round_trip(&store, "rt").await;
    store_round_trip(&MemoryStore::new(), "rt").await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store_round_trip() {
    let url = match support::pg_url() {
        Ok(u) => u,
        Err(why) => return println!("skipped: {why}"),
    };
    let store = match bitrix24_app::PgStore::connect(&url).await {
        Ok(s) => s,
        Err(e) => return println!("skipped: no PostgreSQL server reachable: {e}"),
    };
    store_round_trip(&store, &format!("rt-{}", std::process::id())).await;
}

/// A refresh the server refuses: the call fails with the server's error,
/// the store's lock is released (the next refresh goes through at once),
/// and the stored pair is unchanged.
async fn refused_refresh_releases_the_lock(store: Arc<dyn PortalStore>, member: &str) {
    let emu = Emulator::start().await;
    let app = app(&emu, store.clone());
    let (a, _) = emu.issue(member);
    let dead = Tokens::new(a, "ref-unknown", emu.client_endpoint());
    store
        .put(&Portal::new(member, "portal.emulated", dead.clone()))
        .await
        .unwrap();
    emu.expire(member);
    let err = app
        .pool()
        .client(member)
        .await
        .unwrap()
        .call(Probe {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("invalid_grant"), "{err}");
    assert_eq!(store.get(member).await.unwrap().unwrap().tokens, dead);
    // A live pair stored again (a reinstall): the next expiry refreshes.
    let (a, r) = emu.issue(member);
    store
        .put(&Portal::new(
            member,
            "portal.emulated",
            Tokens::new(a, r, emu.client_endpoint()),
        ))
        .await
        .unwrap();
    app.pool().forget(member);
    emu.expire(member);
    let started = std::time::Instant::now();
    app.pool()
        .client(member)
        .await
        .unwrap()
        .call(Probe {})
        .await
        .unwrap();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "waited on a lock"
    );
    assert_eq!(emu.refreshes(), 2);
    store.remove(member).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_refused_refresh_releases_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path().join("l.db")).unwrap());
    refused_refresh_releases_the_lock(store, "refused").await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_refused_refresh_releases_the_lock() {
    let url = match support::pg_url() {
        Ok(u) => u,
        Err(why) => return println!("skipped: {why}"),
    };
    let store = match bitrix24_app::PgStore::connect(&url).await {
        Ok(s) => s,
        Err(e) => return println!("skipped: no PostgreSQL server reachable: {e}"),
    };
    refused_refresh_releases_the_lock(Arc::new(store), &format!("refused-{}", std::process::id()))
        .await;
}
