//! What the manager's actor sends out, and when: events and replies wait in the outbox until
//! the status document that shows their change is published (progress goes out at once), and
//! the publication itself (at most every [`ticks::PUBLISH_EVERY`](super::ticks::PUBLISH_EVERY),
//! and before any reply). Part of [`Actor`].

use std::sync::Arc;

use super::actor::{Actor, Reply};
use super::api::{ApiError, Response};
use super::event::{ManagerEvent, ManagerEventKind};
use super::state::now_ms;
use super::view::StatusDocument;

impl Actor {
    /// Tells every observer, once the document that shows the change is published (progress
    /// goes out at once: the next publication shows it).
    pub fn emit(&mut self, app: &str, pack: Option<&str>, kind: ManagerEventKind) {
        let progress = matches!(
            kind,
            ManagerEventKind::Status {
                update: crate::model::StatusUpdate::Downloading { .. }
            } | ManagerEventKind::DownloadStatus {
                progress: Some(_),
                ..
            }
        );
        self.outbox_urgent |= !progress;
        self.outbox.push(ManagerEvent {
            at_ms: now_ms(),
            app: app.to_string(),
            pack: pack.map(str::to_string),
            kind,
        });
    }

    /// Sends what waits on the document: replies at once (after publishing what changed),
    /// events with them; events alone wait for the next publication (at most
    /// [`ticks::PUBLISH_EVERY`]), except progress alone, which goes out at once. Order is kept.
    pub(super) fn flush(&mut self, tick: bool) {
        if !self.pending.is_empty() || (tick && self.outbox_urgent) {
            self.publish();
        } else if self.outbox_urgent {
            return;
        }
        self.outbox_urgent = false;
        for (reply, result) in self.pending.drain(..) {
            let _ = reply.send(result);
        }
        for event in self.outbox.drain(..) {
            let _ = self.events.send(event);
        }
    }

    /// Whether something waits for the next publication: a changed view, an event, a reply.
    pub(super) fn has_unpublished(&self) -> bool {
        self.views.has_changes() || !self.outbox.is_empty() || !self.pending.is_empty()
    }

    /// Answers `reply` once the document that follows this change is published.
    pub fn reply_later(&mut self, reply: Reply, result: Result<Response, ApiError>) {
        self.pending.push((reply, result));
    }

    /// Publishes the status document if something changed since the last time.
    pub fn publish(&mut self) {
        let now = std::time::Instant::now();
        if self.views.has_changes() {
            self.free_space.document_changed();
        }
        if let Some(free) = self.free_space.sample(self.paths.data_dir(), now) {
            self.views.free_space_changed(free);
        }
        let sources = super::snapshot::Sources {
            state: &self.state,
            paths: &self.paths,
            launches: &self.launches,
            limits: self.settings.limits,
            languages: &self.languages,
        };
        if let Some(published) = self.views.publish(&sources) {
            self.published.send_replace(published);
        }
    }

    /// The document last published.
    pub fn published_document(&self) -> Arc<StatusDocument> {
        self.published.borrow().document.clone()
    }

    /// What changed since the generation `since` in the document last published.
    pub fn published_delta(&self, since: u64) -> super::delta::StatusDelta {
        super::delta::delta(&self.published.borrow(), since)
    }
}
