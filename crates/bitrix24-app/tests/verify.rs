//! Verification and hostile bodies: forged, missing and other portals'
//! tokens, unknown portals and malformed bodies are typed rejections,
//! never a panic; a property test throws arbitrary bodies at the decoder.

use std::sync::Arc;

use bitrix24_app::{
    App, BodyError, DecodeError, Event, Limits, MemoryStore, Portal, PortalStore, Rejection,
};
use bitrix24_runtime::{OAuthApp, Secret, Tokens};
use proptest::prelude::*;

const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

async fn app() -> App {
    let store = MemoryStore::new();
    for (m, t) in [
        ("member-a", "token-a-SECRET"),
        ("member-b", "token-b-SECRET"),
    ] {
        let mut p = Portal::new(
            m,
            format!("{m}.example"),
            Tokens::new("acc", "ref", "https://p.example/rest/"),
        );
        p.application_token = Some(Secret::new(t));
        store.put(&p).await.unwrap();
    }
    let bare = Portal::new(
        "member-c",
        "c.example",
        Tokens::new("acc", "ref", "https://c.example/rest/"),
    );
    store.put(&bare).await.unwrap();
    App::new(OAuthApp::new("id", "secret"), Arc::new(store))
}

fn body(member: &str, token: Option<&str>) -> String {
    let mut b = format!(
        "event=ONCRMDEALADD&event_handler_id=7&data%5BFIELDS%5D%5BID%5D=42&ts=1700000000\
         &auth%5Bdomain%5D=x.example&auth%5Bmember_id%5D={member}"
    );
    if let Some(t) = token {
        b.push_str(&format!("&auth%5Bapplication_token%5D={t}"));
    }
    b
}

#[tokio::test]
async fn the_right_token_is_accepted() {
    let app = app().await;
    let e = app
        .verify_body(body("member-a", Some("token-a-SECRET")).as_bytes(), FORM)
        .await
        .unwrap();
    assert_eq!(e.portal().member_id, "member-a");
    assert_eq!(e.data["FIELDS"]["ID"], "42");
}

#[tokio::test]
async fn every_bad_sender_is_a_typed_rejection() {
    let app = app().await;
    let check = |r: Result<_, Rejection>| r.map(|_| ()).unwrap_err();
    let forged = check(
        app.verify_body(body("member-a", Some("token-a-SECRET-x")).as_bytes(), FORM)
            .await,
    );
    assert!(
        matches!(forged, Rejection::TokenMismatch { ref member_id } if member_id == "member-a"),
        "{forged}"
    );
    let other = check(
        app.verify_body(body("member-a", Some("token-b-SECRET")).as_bytes(), FORM)
            .await,
    );
    assert!(matches!(other, Rejection::TokenMismatch { .. }), "{other}");
    let missing = check(
        app.verify_body(body("member-a", None).as_bytes(), FORM)
            .await,
    );
    assert!(matches!(missing, Rejection::MissingToken), "{missing}");
    let empty = check(
        app.verify_body(body("member-a", Some("")).as_bytes(), FORM)
            .await,
    );
    assert!(matches!(empty, Rejection::MissingToken), "{empty}");
    let unknown = check(
        app.verify_body(body("member-z", Some("token-a-SECRET")).as_bytes(), FORM)
            .await,
    );
    assert!(
        matches!(unknown, Rejection::UnknownPortal { .. }),
        "{unknown}"
    );
    let no_member = check(
        app.verify_body(b"event=X&auth%5Bapplication_token%5D=t", FORM)
            .await,
    );
    assert!(
        matches!(no_member, Rejection::MissingMemberId),
        "{no_member}"
    );
    let not_stored = check(
        app.verify_body(body("member-c", Some("anything")).as_bytes(), FORM)
            .await,
    );
    assert!(
        matches!(not_stored, Rejection::NoStoredToken { .. }),
        "{not_stored}"
    );
    // No rejection prints a token.
    for r in [forged, other, unknown, not_stored] {
        assert!(!format!("{r} {r:?}").contains("SECRET"));
    }
}

#[tokio::test]
async fn malformed_bodies_are_typed_errors() {
    let app = app().await;
    let refused = |r: Result<bitrix24_app::Verified<Event>, Rejection>| match r {
        Err(Rejection::Decode(DecodeError::Body(b))) => b,
        other => panic!("not a body error: {:?}", other.map(|_| ())),
    };
    let deep = format!("event=X&a{}=1", "%5Bx%5D".repeat(10_000));
    assert!(matches!(
        refused(app.verify_body(deep.as_bytes(), FORM).await),
        BodyError::KeyTooLong { .. } | BodyError::TooDeep { .. }
    ));
    let deep_short_keys = format!("event=X&a{}=1", "[]".repeat(100));
    assert!(matches!(
        refused(app.verify_body(deep_short_keys.as_bytes(), FORM).await),
        BodyError::TooDeep { .. }
    ));
    let huge_key = format!("event=X&{}=1", "k".repeat(100_000));
    assert!(matches!(
        refused(app.verify_body(huge_key.as_bytes(), FORM).await),
        BodyError::KeyTooLong { .. }
    ));
    let ten_mb = vec![b'a'; 10 * 1024 * 1024];
    assert!(matches!(
        refused(app.verify_body(&ten_mb, FORM).await),
        BodyError::TooLarge { .. }
    ));
    let json_deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let json = app
        .verify_body(json_deep.as_bytes(), Some("application/json"))
        .await;
    assert!(matches!(
        json,
        Err(Rejection::Decode(DecodeError::Body(BodyError::Json(_))))
    ));
    let json_deep_ok_for_serde = format!(
        "{{\"event\":\"X\",\"d\":{}1{}}}",
        "[".repeat(100),
        "]".repeat(100)
    );
    assert!(matches!(
        refused(
            app.verify_body(json_deep_ok_for_serde.as_bytes(), Some("application/json"))
                .await
        ),
        BodyError::TooDeep { .. }
    ));
    let many = (0..5000)
        .map(|i| format!("k{i}=1"))
        .collect::<Vec<_>>()
        .join("&");
    assert!(matches!(
        refused(app.verify_body(many.as_bytes(), FORM).await),
        BodyError::TooManyFields { .. }
    ));
    assert!(matches!(
        refused(app.verify_body(b"{}", Some("text/xml")).await),
        BodyError::ContentType(_)
    ));
    let bad_shape = app.verify_body(b"event=X&auth=1&data=2&ts=abc", FORM).await;
    assert!(bad_shape.is_err());
    let no_event = app.verify_body(b"data[a]=1", FORM).await;
    assert!(matches!(
        no_event,
        Err(Rejection::Decode(DecodeError::NoEventName))
    ));
}

fn hostile_body() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just("event=ONCRMDEALADD".to_owned()),
        Just("auth[member_id]=member-a".to_owned()),
        Just("auth[application_token]=token-a-SECRET".to_owned()),
        Just("auth[application_token][]=x".to_owned()),
        Just("auth=1".to_owned()),
        "[a-z\\[\\]%=&+0-9]{0,40}",
        "(\\[[a-z0-9]{0,3}\\]){0,30}=[a-z]{0,3}",
        Just("%5B%5D%5B".to_owned()),
        Just("%FF%FE".to_owned()),
        Just("ts=99999999999999999999999".to_owned()),
        Just("event_handler_id[a]=1".to_owned()),
    ];
    prop_oneof![
        proptest::collection::vec(piece, 0..24).prop_map(|v| v.join("&").into_bytes()),
        proptest::collection::vec(any::<u8>(), 0..512),
    ]
}

proptest! {
    // A fixed seed: the same 512 bodies on every run.
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x000B_2411),
        ..ProptestConfig::default()
    })]

    /// Any body, either format: a verified event only with the right
    /// token, otherwise a typed rejection; never a panic.
    #[test]
    fn arbitrary_bodies_never_panic(body in hostile_body(), json in any::<bool>()) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let app = app().await;
            let ct = if json { Some("application/json") } else { FORM };
            match app.verify_body(&body, ct).await {
                Ok(e) => {
                    prop_assert_eq!(e.auth.application_token.as_ref().map(|t| t.expose()), Some("token-a-SECRET"));
                    prop_assert_eq!(e.portal().member_id.as_str(), "member-a");
                }
                Err(r) => { let text = r.to_string(); prop_assert!(!text.contains("token-a-SECRET"), "{}", text) }
            }
            let _ = bitrix24_app::form::parse_form(&body, &Limits::default());
            let _ = bitrix24_app::PlacementRequest::decode(std::str::from_utf8(&body).ok(), &body, ct, &Limits::default());
            Ok(())
        })?;
    }
}
