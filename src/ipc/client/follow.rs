//! Following the status document over the socket: a connection keeps the last document it
//! received and asks only what changed since (`statusChanges`), so a window or a tool polling
//! a manager of thousands of packs receives the few packs that changed, not megabytes each time.
//! A delta that does not apply, or a manager that does not know the verb (an older one), gets
//! the whole document instead (`status`).

use tokio::sync::Mutex;

use super::{CallError, Connection};
use crate::manager::api::{Request, Response};
use crate::manager::view::StatusDocument;

/// What the connection holds of the manager's state.
#[derive(Debug, Default)]
enum Held {
    /// Nothing yet: the first call asks for everything.
    #[default]
    Nothing,
    /// The document as of its `generation`.
    Document(Box<StatusDocument>),
    /// The manager does not answer `statusChanges`: always ask `status`.
    Unsupported,
}

/// A connection's copy of the status document.
#[derive(Debug, Default)]
pub(super) struct StatusFollower {
    held: Mutex<Held>,
}

impl StatusFollower {
    /// The manager's whole state now, fetched as what changed since the last call.
    pub(super) async fn status(
        &self,
        connection: &Connection,
    ) -> Result<StatusDocument, CallError> {
        let mut held = self.held.lock().await;
        let mut document = match std::mem::take(&mut *held) {
            Held::Unsupported => {
                *held = Held::Unsupported;
                return whole(connection).await;
            }
            Held::Nothing => Box::new(StatusDocument::empty(Default::default())),
            Held::Document(document) => document,
        };
        let since = document.generation;
        match connection.call(Request::StatusChanges { since }).await {
            Ok(Response::StatusChanges(delta)) => {
                if delta.apply_to(&mut document).is_ok() {
                    let answer = (*document).clone();
                    *held = Held::Document(document);
                    return Ok(answer);
                }
            }
            Ok(other) => {
                return Err(CallError::Protocol(format!(
                    "the manager answered `{}` to `statusChanges`",
                    other.method()
                )));
            }
            Err(CallError::Refused(refusal)) if refusal.message.contains("unknown method") => {
                *held = Held::Unsupported;
            }
            Err(error) => return Err(error),
        }
        let answer = whole(connection).await?;
        if !matches!(*held, Held::Unsupported) {
            *held = Held::Document(Box::new(answer.clone()));
        }
        Ok(answer)
    }
}

/// The whole document (`status`).
async fn whole(connection: &Connection) -> Result<StatusDocument, CallError> {
    match connection.call(Request::Status).await? {
        Response::Status(document) => Ok(std::sync::Arc::unwrap_or_clone(document)),
        other => Err(CallError::Protocol(format!(
            "the manager answered `{}` to `status`",
            other.method()
        ))),
    }
}
