//! The notification policy's tests: news between documents, grouping, the rate limit, words.

use super::*;
use crate::gui::fixture::{app, document, pack};
use crate::manager::api::PackRef;
use crate::manager::view::PackView;
use crate::model::{DownloadPolicy, ErrorKind, InstallationEvents, PackKind};

fn essential(id: &str, installed: bool) -> PackView {
    let versions = (installed.then_some(1), Some(1));
    let policy = DownloadPolicy::Essential(InstallationEvents::ALL);
    pack(id, id, PackKind::Levels, policy, versions, Activity::Idle)
}

fn on_demand(id: &str, activity: Activity) -> PackView {
    let policy = DownloadPolicy::OnDemand;
    pack(id, id, PackKind::Audio, policy, (None, Some(1)), activity)
}

fn failed(kind: ErrorKind) -> Activity {
    Activity::Failed {
        error: PackError::new(kind, "the reason"),
    }
}

/// Two apps of `n` packs each, the first `failing` of each failed with `kind`.
fn two_apps(n: usize, failing: usize, kind: ErrorKind) -> StatusDocument {
    let packs = |prefix: &str| {
        (0..n)
            .map(|i| {
                let activity = if i < failing {
                    failed(kind)
                } else {
                    Activity::Queued
                };
                on_demand(&format!("{prefix}{i:02}"), activity)
            })
            .collect()
    };
    document(vec![
        app("org.example.a", "Alpha", packs("a")),
        app("org.example.b", "Beta", packs("b")),
    ])
}

#[test]
fn the_first_document_is_the_baseline() {
    let now = two_apps(3, 3, ErrorKind::Network);
    assert!(observe(None, &now).is_empty());
}

#[test]
fn an_app_that_waited_becomes_ready_once() {
    let before = document(vec![app(
        "org.example.a",
        "Alpha",
        vec![essential("E", false)],
    )]);
    let after = document(vec![app(
        "org.example.a",
        "Alpha",
        vec![essential("E", true)],
    )]);
    let news = observe(Some(&before), &after);
    assert_eq!(
        news,
        vec![Happening::Ready {
            app: "org.example.a".into(),
            name: "Alpha".into(),
            pack: Some("E".into()),
            missing: Vec::new(),
        }]
    );
    assert!(
        observe(Some(&after), &after).is_empty(),
        "ready stays ready"
    );
    let empty = document(Vec::new());
    assert!(
        observe(Some(&empty), &after).is_empty(),
        "an app that arrives ready did not wait"
    );
}

#[test]
fn a_failure_is_news_once_per_kind() {
    let queued = two_apps(2, 0, ErrorKind::Network);
    let failing = two_apps(2, 1, ErrorKind::Network);
    assert_eq!(observe(Some(&queued), &failing).len(), 2);
    assert!(observe(Some(&failing), &failing).is_empty());
    let full = two_apps(2, 1, ErrorKind::DiskFull);
    assert_eq!(observe(Some(&failing), &full).len(), 2, "a new reason");
}

#[test]
fn fifty_failures_across_two_apps_make_one_notification_per_app() {
    let start = Instant::now();
    let mut throttle = Throttle::default();
    let base = two_apps(25, 0, ErrorKind::Network);
    // The burst arrives over three polls, 250 ms apart.
    let steps = [(0, 8), (250, 17), (500, 25)];
    let mut previous = base;
    let mut sent = Vec::new();
    for (ms, failing) in steps {
        let now = start + Duration::from_millis(ms);
        let current = two_apps(25, failing, ErrorKind::Network);
        throttle.offer(now, observe(Some(&previous), &current));
        throttle.retract(&current);
        sent.extend(throttle.due(now));
        previous = current;
    }
    assert!(sent.is_empty(), "the burst is gathered first");
    sent.extend(throttle.due(start + GATHER));
    assert_eq!(sent.len(), 2, "{sent:#?}");
    assert_eq!(sent[0].summary, "Alpha: 25 packs need attention");
    assert!(sent[0].body.ends_with("and 20 more"), "{}", sent[0].body);
    assert_eq!(
        sent[0].target,
        Some(PackRef::new("org.example.a", "a00")),
        "a click shows the first pack named"
    );
    assert_eq!(sent[1].app, "org.example.b");
    // More news within the minute waits, and is then told in one notification.
    let later = two_apps(25, 25, ErrorKind::DiskFull);
    throttle.offer(start + GATHER, observe(Some(&previous), &later));
    assert!(throttle.due(start + Duration::from_secs(30)).is_empty());
    let next = throttle.due(start + GATHER + INTERVAL);
    assert_eq!(next.len(), 2);
}

#[test]
fn a_pack_that_recovered_before_being_told_is_not_told() {
    let start = Instant::now();
    let mut throttle = Throttle::default();
    let queued = two_apps(1, 0, ErrorKind::Network);
    let failing = two_apps(1, 1, ErrorKind::Network);
    throttle.offer(start, observe(Some(&queued), &failing));
    throttle.retract(&queued);
    assert!(throttle.due(start + GATHER).is_empty());
}

#[test]
fn cleared_news_is_never_told() {
    let start = Instant::now();
    let mut throttle = Throttle::default();
    let queued = two_apps(1, 0, ErrorKind::Network);
    let failing = two_apps(1, 1, ErrorKind::Network);
    throttle.offer(start, observe(Some(&queued), &failing));
    throttle.clear();
    assert!(throttle.due(start + GATHER + INTERVAL).is_empty());
}

#[test]
fn the_words_name_the_app_the_pack_and_the_reason() {
    let start = Instant::now();
    let mut throttle = Throttle::default();
    let queued = two_apps(1, 0, ErrorKind::DiskFull);
    let full = two_apps(1, 1, ErrorKind::DiskFull);
    throttle.offer(start, observe(Some(&queued), &full));
    let sent = throttle.due(start + GATHER);
    assert_eq!(sent[0].summary, "Alpha: a00 is out of disk space");
    assert_eq!(sent[0].body, "a00: diskFull — the reason");

    let mut throttle = Throttle::default();
    let mut waiting = app("org.example.a", "Alpha", vec![essential("E", false)]);
    let before = document(vec![waiting.clone()]);
    waiting.launch_ready = true;
    waiting.essential_failed = vec!["E".into()];
    let after = document(vec![waiting]);
    throttle.offer(start, observe(Some(&before), &after));
    let sent = throttle.due(start + GATHER);
    assert_eq!(sent[0].summary, "Alpha is ready");
    assert_eq!(sent[0].body, "It launches without E (the download failed).");
}
