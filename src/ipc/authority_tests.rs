//! Tests of who may ask what over the socket: before and after `hello`, a controller, an app
//! on its own packs, the scope of a bundle id or an App Group.

use super::*;
use crate::manager::api::{LimitsPatch, Selection};

fn app(name: &str) -> Role {
    Role::App(FolderName::parse(name).unwrap())
}

fn kind(verdict: Verdict<'_>) -> String {
    match verdict {
        Verdict::Allow => "allow".into(),
        Verdict::AllowFiltered => "filtered".into(),
        Verdict::IfCovered(apps) => format!("if {}", apps.join(",")),
        Verdict::Deny(error) => {
            assert_eq!(error.kind, NOT_AUTHORIZED);
            "deny".into()
        }
    }
}

#[test]
fn a_role_is_the_hello_result_documented() {
    for (role, line) in [
        (Role::Controller, serde_json::json!({"role": "controller"})),
        (
            app("group.x"),
            serde_json::json!({"role": "app", "app": "group.x"}),
        ),
    ] {
        assert_eq!(serde_json::to_value(&role).unwrap(), line);
        assert_eq!(serde_json::from_value::<Role>(line).unwrap(), role);
    }
    let refused = serde_json::from_value::<Role>(serde_json::json!({"role": "app", "app": ".."}));
    assert!(refused.is_err(), "an app name is validated when read");
}

#[test]
fn before_hello_nothing_is_allowed_and_the_error_says_what_to_send() {
    for request in [Request::Status, Request::Unregister { app: "a".into() }] {
        let Verdict::Deny(error) = judge(None, &request) else {
            panic!("allowed without hello")
        };
        assert!(error.message.contains(r#""method": "hello""#), "{error}");
    }
    assert_eq!(kind(judge_subscription(None, None)), "deny");
}

#[test]
fn a_controller_may_do_everything() {
    let all = Request::Pause {
        selection: Selection::All,
    };
    let limits = Request::SetLimits {
        limits: LimitsPatch::default(),
    };
    for request in [Request::Status, all, limits] {
        assert_eq!(judge(Some(&Role::Controller), &request), Verdict::Allow);
    }
    assert_eq!(
        judge_subscription(Some(&Role::Controller), Some("x")),
        Verdict::Allow
    );
}

#[test]
fn an_app_acts_on_its_own_packs_and_nothing_global() {
    let game = app("org.example.game");
    let role = Some(&game);
    let own = |pack: &str| Request::Remove {
        app: "org.example.game".into(),
        pack: pack.into(),
    };
    let cases = [
        (Request::Status, "filtered"),
        (own("Levels"), "allow"),
        (
            Request::Unregister {
                app: "org.example.game".into(),
            },
            "allow",
        ),
        (
            Request::Remove {
                app: "org.example.other".into(),
                pack: "Music".into(),
            },
            "if org.example.other",
        ),
        (
            Request::Pause {
                selection: Selection::Packs(vec![
                    crate::manager::api::PackRef::new("org.example.game", "A"),
                    crate::manager::api::PackRef::new("org.example.x", "B"),
                ]),
            },
            "if org.example.x",
        ),
        (
            Request::Pause {
                selection: Selection::All,
            },
            "deny",
        ),
        (Request::CheckUpdates { app: None }, "deny"),
        (
            Request::Register {
                path: "/tmp/Info.plist".into(),
            },
            "deny",
        ),
        (Request::SetLanguages { languages: vec![] }, "deny"),
        (
            Request::SetLimits {
                limits: LimitsPatch::default(),
            },
            "deny",
        ),
    ];
    for (request, expected) in cases {
        assert_eq!(kind(judge(role, &request)), expected, "{request:?}");
    }
    assert_eq!(kind(judge_subscription(role, None)), "filtered");
    assert_eq!(
        kind(judge_subscription(role, Some("org.example.game"))),
        "allow"
    );
    assert_eq!(
        kind(judge_subscription(role, Some("org.example.other"))),
        "if org.example.other"
    );
}

#[test]
fn a_scope_covers_its_bundle_id_or_the_app_group_it_names() {
    use crate::gui::fixture as documents;
    let in_container = |bundle_id: &str, container: &str| {
        let mut app = documents::app(bundle_id, bundle_id, Vec::new());
        app.container = format!("/d/containers/{container}").into();
        app
    };
    let status = documents::document(vec![
        in_container("org.a", "group.shared"),
        in_container("org.b", "group.shared"),
        in_container("org.c", "org.c"),
    ]);
    assert_eq!(app_is_covered(&status, "group.shared", "org.b"), Some(true));
    assert_eq!(app_is_covered(&status, "org.a", "org.b"), Some(false));
    assert_eq!(
        app_is_covered(&status, "group.shared", "org.c"),
        Some(false)
    );
    assert_eq!(app_is_covered(&status, "org.c", "org.z"), None);

    let mut filtered = status.clone();
    keep_covered(&mut filtered, "group.shared");
    let kept: Vec<&str> = filtered.apps.iter().map(|a| a.bundle_id.as_str()).collect();
    assert_eq!(kept, ["org.a", "org.b"]);
    let mut filtered = status;
    keep_covered(&mut filtered, "org.c");
    let kept: Vec<&str> = filtered.apps.iter().map(|a| a.bundle_id.as_str()).collect();
    assert_eq!(kept, ["org.c"]);
}
