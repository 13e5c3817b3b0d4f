use std::sync::Arc;

use tokio::sync::{broadcast, mpsc};

use super::*;
use crate::engine::config::Limits;
use crate::engine::download::{Download, DownloadRequest};
use crate::engine::hosts::HostConnections;
use crate::engine::job::WorkerContext;

/// An actor with one host connection allowed, and `ids` queued from `cdn.invalid` (nothing
/// resolves there: the workers it starts fail, which these tests do not wait for).
fn actor(ids: &[&str]) -> (Actor, mpsc::Receiver<Report>) {
    let (reports, receiver) = mpsc::channel(64);
    let limits = Limits {
        max_concurrent: 4,
        max_per_host: 1,
        bytes_per_second: None,
    };
    let context = Arc::new(WorkerContext {
        clients: crate::engine::clients::Clients::new(&Default::default()).unwrap(),
        limiter: Arc::new(super::super::limiter::RateLimiter::new(None)),
        reports,
        policy: Default::default(),
        max_redirects: 0,
        insecure_hosts: Vec::new(),
        max_body: 1 << 20,
        folders: Default::default(),
        segments: Default::default(),
        hosts: HostConnections::new(limits.max_per_host),
        held: Default::default(),
        finishers: crate::engine::finishers::Finishers::new(super::super::worker::FINISHING),
    });
    let downloads = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let url = url::Url::parse(&format!("https://cdn.invalid/{id}")).unwrap();
            let request = DownloadRequest::new(*id, url, format!("/nonexistent/{id}"));
            Download::new(request, i as u64 + 1)
        })
        .collect();
    let (events, _) = broadcast::channel(64);
    let actor = Actor::new(downloads, true, limits, context, events, None);
    (actor, receiver)
}

#[tokio::test]
async fn a_verifying_download_gives_its_host_connection_to_the_next_one() {
    let (mut actor, _reports) = actor(&["a", "b"]);
    actor.schedule();
    assert_eq!(actor.context.hosts.open("cdn.invalid"), 1);
    assert!(actor.workers.contains_key("a") && !actor.workers.contains_key("b"));
    // Every byte of `a` is in: it syncs, checks and renames with no connection open.
    actor.apply_report(Report::Verifying { id: "a".into() });
    assert_eq!(actor.context.hosts.open("cdn.invalid"), 0);
    actor.schedule();
    assert!(
        actor.workers.contains_key("b"),
        "the next download from the host starts while the first verifies"
    );
    assert_eq!(actor.context.hosts.open("cdn.invalid"), 1);
}
