//! The request log: one record per request the server answered (control requests excluded),
//! kept in memory for tests and QA (`GET /_bgassets/requests`, [`super::Server::requests`]) and
//! echoed to stderr through `tracing` when each response ends.
//!
//! A record is created when the response headers go out and updated as its body streams, so a
//! stalled download shows up while it is stalled.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

/// How many records are kept; older ones are forgotten first.
pub const CAPACITY: usize = 10_000;

/// How a response ended, as far as the server knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The body is still streaming (or stalled).
    InProgress,
    /// Every byte of the body was handed to the connection.
    Complete,
    /// The server aborted the connection on purpose (`drop_after`).
    Dropped,
    /// The client went away before the body was complete.
    ClientGone,
    /// Reading the file failed midway.
    Failed,
}

/// One answered request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// Increasing number, unique for the server's lifetime.
    pub id: u64,
    /// `GET`, `HEAD`…
    pub method: String,
    /// The request path as sent (still percent-encoded), without the query.
    pub path: String,
    /// The `Range` header, if any.
    pub range: Option<String>,
    /// The `If-Range` header, if any.
    pub if_range: Option<String>,
    /// The status code answered.
    pub status: u16,
    /// Body bytes handed to the connection so far.
    pub bytes_sent: u64,
    /// The faults that changed this response: `latency`, `fail`, `ignore_range`,
    /// `change_etag`, `corrupt`, `rate`, `drop_after`, `stall_after`.
    pub faults: Vec<String>,
    /// How the response ended.
    pub outcome: Outcome,
    /// Under `--require-token`: `public`, `bearer`, `signed`, or why the request was refused
    /// (`no-token`, `wrong-token`, `bad-authorization`, `bad-query`, `bad-signature`,
    /// `expired`). Left out when no token is required or the path never reached the gate (a
    /// malformed path, a refused method, an injected failure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<String>,
}

/// The shared, bounded log.
#[derive(Debug, Default)]
pub struct RequestLog {
    next_id: AtomicU64,
    records: Mutex<VecDeque<RequestRecord>>,
}

impl RequestLog {
    /// Adds a record, giving it the next id, and returns that id.
    pub fn push(&self, mut record: RequestRecord) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        record.id = id;
        let mut records = self.lock();
        if records.len() >= CAPACITY {
            records.pop_front();
        }
        records.push_back(record);
        id
    }

    /// Changes the record `id` if it is still kept.
    pub fn update(&self, id: u64, change: impl FnOnce(&mut RequestRecord)) {
        let mut records = self.lock();
        if let Some(record) = records.iter_mut().rev().find(|record| record.id == id) {
            change(record);
        }
    }

    /// A copy of the record `id`, if it is still kept.
    pub fn get(&self, id: u64) -> Option<RequestRecord> {
        self.lock()
            .iter()
            .rev()
            .find(|record| record.id == id)
            .cloned()
    }

    /// A copy of every record kept, oldest first.
    pub fn snapshot(&self) -> Vec<RequestRecord> {
        self.lock().iter().cloned().collect()
    }

    /// How many kept records are for `path` (with or without its leading `/`).
    pub fn hits(&self, path: &str) -> usize {
        let wanted = path.trim_start_matches('/');
        self.lock()
            .iter()
            .filter(|record| record.path.trim_start_matches('/') == wanted)
            .count()
    }

    /// Forgets every record (ids keep increasing).
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<RequestRecord>> {
        // A panic while holding the lock cannot leave a record half-written in a way that
        // matters here, so a poisoned lock is used as is.
        self.records
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Writes the finished record to stderr through `tracing`.
pub fn trace(record: &RequestRecord) {
    tracing::info!(
        id = record.id,
        method = %record.method,
        path = %record.path,
        range = %record.range.as_deref().unwrap_or("-"),
        status = record.status,
        bytes = record.bytes_sent,
        faults = %if record.faults.is_empty() { "-".to_string() } else { record.faults.join(",") },
        outcome = ?record.outcome,
        auth = %record.auth.as_deref().unwrap_or("-"),
        "request"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(path: &str) -> RequestRecord {
        RequestRecord {
            id: 0,
            method: "GET".into(),
            path: path.into(),
            range: None,
            if_range: None,
            status: 200,
            bytes_sent: 0,
            faults: Vec::new(),
            outcome: Outcome::InProgress,
            auth: None,
        }
    }

    #[test]
    fn records_are_numbered_updated_and_counted() {
        let log = RequestLog::default();
        let first = log.push(record("/a.zip"));
        let second = log.push(record("/b.zip"));
        log.push(record("/a.zip"));
        assert_eq!((first, second), (0, 1));
        log.update(second, |record| record.bytes_sent = 42);
        assert_eq!(log.get(second).map(|record| record.bytes_sent), Some(42));
        assert_eq!(log.hits("a.zip"), 2);
        assert_eq!(log.hits("/b.zip"), 1);
        log.clear();
        assert!(log.snapshot().is_empty());
        assert_eq!(log.push(record("/c")), 3);
    }

    #[test]
    fn the_log_is_bounded() {
        let log = RequestLog::default();
        for _ in 0..CAPACITY + 5 {
            log.push(record("/x"));
        }
        let records = log.snapshot();
        assert_eq!(records.len(), CAPACITY);
        assert_eq!(records[0].id, 5);
    }
}
