//! The two tasks that own a [`super::Connection`]'s socket: a writer of request lines and a
//! reader that hands each response to the call waiting for it and each event to the receivers;
//! and the table of calls waiting, which either task closes when the connection is gone.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::Notice;
use crate::ipc::protocol::{ResponseLine, ServerMessage};

/// Calls waiting for their response, or why none will come.
#[derive(Default)]
pub(super) struct Pending {
    pub(super) waiting: HashMap<u64, oneshot::Sender<ResponseLine>>,
    pub(super) closed: Option<String>,
}

pub(super) type SharedPending = Arc<Mutex<Pending>>;

/// Ends every waiting call: the connection is gone.
pub(super) fn close(pending: &SharedPending, reason: String) {
    let mut pending = pending.lock().unwrap_or_else(|e| e.into_inner());
    pending.closed.get_or_insert(reason);
    pending.waiting.clear();
}

/// Removes a call's entry if it is abandoned before its answer.
pub(super) struct ForgetOnDrop<'a> {
    pub(super) pending: &'a SharedPending,
    pub(super) id: u64,
}

impl Drop for ForgetOnDrop<'_> {
    fn drop(&mut self) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.waiting.remove(&self.id);
    }
}

pub(super) async fn write_lines<W: AsyncWrite + Unpin>(
    mut writer: W,
    mut lines: mpsc::Receiver<String>,
    pending: SharedPending,
) {
    while let Some(mut line) = lines.recv().await {
        line.push('\n');
        let written = async {
            writer.write_all(line.as_bytes()).await?;
            writer.flush().await
        };
        if let Err(error) = written.await {
            close(&pending, format!("cannot send: {error}"));
            return;
        }
    }
}

pub(super) async fn read_lines<R: AsyncRead + Unpin>(
    reader: R,
    notices: broadcast::Sender<Notice>,
    pending: SharedPending,
) {
    let mut reader = BufReader::new(reader);
    let mut line = String::new();
    let reason = loop {
        line.clear();
        match reader.read_line(&mut line).await {
            Ok(0) => break "the manager closed the connection".to_string(),
            Ok(_) => {}
            Err(error) => break format!("cannot receive: {error}"),
        }
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        match ServerMessage::parse(text) {
            Ok(ServerMessage::Response(response)) => deliver(&pending, response),
            Ok(ServerMessage::Event(event)) => {
                let _ = notices.send(Notice::Event(event));
            }
            Ok(ServerMessage::MissedEvents(missed)) => {
                let _ = notices.send(Notice::Missed(missed));
            }
            // This client registers no extension; a connection extension reads its own lines.
            Ok(ServerMessage::ExtensionRequest { id, .. }) => {
                tracing::debug!("skipping extension request {id}: this client is no extension");
            }
            // A newer manager may say things this client does not know; skip them.
            Err(problem) => tracing::debug!("skipping a line from the manager: {problem}"),
        }
    };
    close(&pending, reason);
}

/// Hands a response to the call waiting for it.
fn deliver(pending: &SharedPending, response: ResponseLine) {
    let waiting = response.id.as_u64().and_then(|id| {
        let mut pending = pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.waiting.remove(&id)
    });
    match waiting {
        Some(reply) => {
            let _ = reply.send(response);
        }
        // The server's reply to something it could not read carries no id; a refusal of the
        // connection as a whole looks the same.
        None if !response.ok => {
            let message = response.error.map(|e| e.message).unwrap_or_default();
            tracing::warn!("the manager says: {message}");
            if response.id.is_null() {
                close(pending, message);
            }
        }
        None => {}
    }
}
