//! Refresh-token rotation across processes: 4 OS processes × 50 tasks see
//! `expired_token` for one portal at the same moment (the emulator holds
//! every expired answer until all 200 requests have arrived); exactly one
//! refresh reaches the authorization server, none is `invalid_grant`, and
//! every call succeeds. On SQLite and on PostgreSQL.
//!
//! The processes are this test binary run again with
//! `BITRIX24_APP_ROTATION_CHILD` set, running only `rotation_child`.

mod support;

use std::sync::Arc;
use std::time::Duration;

use bitrix24_app::{Pool, Portal, PortalStore, SqliteStore};
use bitrix24_runtime::{OAuthApp, RateLimit, Tokens};
use support::emulator::{Emulator, CLIENT_ID, CLIENT_SECRET};
use support::Probe;

const CHILD: &str = "BITRIX24_APP_ROTATION_CHILD";
const PROCESSES: usize = 4;
const TASKS: usize = 50;

fn oauth(token_url: &str) -> OAuthApp {
    OAuthApp::new(CLIENT_ID, CLIENT_SECRET).token_url(token_url)
}

async fn open_store(spec: &str) -> Arc<dyn PortalStore> {
    if let Some(path) = spec.strip_prefix("sqlite:") {
        return Arc::new(SqliteStore::open(path).unwrap());
    }
    #[cfg(feature = "postgres")]
    if let Some(url) = spec.strip_prefix("postgres:") {
        return Arc::new(bitrix24_app::PgStore::connect(url).await.unwrap());
    }
    panic!("unknown store {spec}")
}

/// One child process: 50 tasks on one client, one line of counts.
#[test]
fn rotation_child() {
    let Ok(spec) = std::env::var(CHILD) else {
        return; // only runs as a child
    };
    let base = std::env::var("EMU_BASE").unwrap();
    let member = std::env::var("MEMBER_ID").unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = open_store(&spec).await;
        let pool = Pool::new(store, oauth(&format!("{base}/oauth/token/"))).configure(|b| {
            b.allow_http(true)
                .rate_limit(RateLimit::new(10_000.0, 10_000.0))
                .timeout(Duration::from_secs(90))
        });
        let client = pool.client(&member).await.unwrap();
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let c = client.clone();
                tokio::spawn(async move { c.call(Probe {}).await })
            })
            .collect();
        let (mut ok, mut failed) = (0, 0);
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => ok += 1,
                Err(e) => {
                    failed += 1;
                    eprintln!("call failed: {e}");
                }
            }
        }
        println!("\nROTATION ok={ok} failed={failed}");
    });
}

async fn run_rotation(spec: String, store: Arc<dyn PortalStore>, member: &str) {
    let emu = Emulator::start().await;
    let (access, refresh) = emu.issue(member);
    let tokens = Tokens::new(access.clone(), refresh, emu.client_endpoint());
    store
        .put(&Portal::new(member, "portal.emulated", tokens))
        .await
        .unwrap();
    emu.expire(member);
    emu.hold_expired((PROCESSES * TASKS) as u64);

    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            tokio::process::Command::new(&exe)
                .args([
                    "--exact",
                    "rotation_child",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD, &spec)
                .env("EMU_BASE", &emu.base)
                .env("MEMBER_ID", member)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .unwrap()
        })
        .collect();
    let mut ok_total = 0;
    for child in children {
        let out = tokio::time::timeout(Duration::from_secs(180), child.wait_with_output())
            .await
            .expect("a child process did not finish in 180 s")
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let line = stdout
            .lines()
            .find(|l| l.starts_with("ROTATION "))
            .unwrap_or_else(|| panic!("child printed no counts:\n{stdout}\n{stderr}"));
        assert_eq!(line, format!("ROTATION ok={TASKS} failed=0"), "{stderr}");
        ok_total += TASKS;
    }
    println!(
        "{spec}: {PROCESSES} processes x {TASKS} tasks: {ok_total} calls ok; refresh requests {}; invalid_grant {}",
        emu.refreshes(),
        emu.invalid_grants()
    );
    assert_eq!(emu.refreshes(), 1, "exactly one refresh reaches the server");
    assert_eq!(emu.invalid_grants(), 0);
    assert_eq!(ok_total, PROCESSES * TASKS);
    let stored = store.get(member).await.unwrap().unwrap();
    assert_ne!(
        stored.tokens.access_token.expose(),
        access,
        "the new pair is stored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_sqlite_4_processes_x_50_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("portals.db");
    let store: Arc<dyn PortalStore> = Arc::new(SqliteStore::open(&path).unwrap());
    run_rotation(
        format!("sqlite:{}", path.display()),
        store,
        "member-rotation",
    )
    .await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_postgres_4_processes_x_50_tasks() {
    let url = match support::pg_url() {
        Ok(u) => u,
        Err(why) => {
            println!("skipped: {why}");
            return;
        }
    };
    let store = match bitrix24_app::PgStore::connect(&url).await {
        Ok(s) => s,
        Err(e) => {
            println!("skipped: no PostgreSQL server reachable at BITRIX24_TEST_PG_URL: {e}");
            return;
        }
    };
    // A member of its own per run: the database outlives the test.
    let member = format!("member-rotation-{}", std::process::id());
    run_rotation(format!("postgres:{url}"), Arc::new(store), &member).await;
}
