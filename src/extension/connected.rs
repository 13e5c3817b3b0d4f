//! A connection extension: a running app that said `registerExtension` over the socket. The
//! manager holds a [`ConnectedExtension`] (it sends calls, each with a oneshot reply); the
//! app's connection holds the [`Endpoint`], which turns each call into a pushed
//! `{"extensionRequest": {"id": N, "request": {…}}}` line and the app's
//! `extensionAnswer {"id": N, "answer": {…}}` back into the call's answer. Same time limit as a
//! process; a connection that closes is `disconnected`.

use std::collections::HashMap;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::ExtensionLimits;
use super::error::{ExtensionError, Problem};
use super::message::{Answer, Event, ExtensionRequest, parse_answer};
use crate::ipc::authority::{NOT_AUTHORIZED, Role, say_hello_first};
use crate::ipc::protocol::INVALID_REQUEST;
use crate::manager::api::{ApiError, Request};

/// Calls queued to one connection before a sender waits.
const QUEUE: usize = 16;

/// One call on its way to the app, and where its answer goes.
#[derive(Debug)]
struct Call {
    request: ExtensionRequest,
    reply: oneshot::Sender<Result<Answer, Problem>>,
}

/// The manager's side of a connection extension.
#[derive(Debug, Clone)]
pub struct ConnectedExtension {
    app: String,
    connection: u64,
    calls: mpsc::Sender<Call>,
}

impl PartialEq for ConnectedExtension {
    /// The same app on the same connection.
    fn eq(&self, other: &Self) -> bool {
        self.app == other.app && self.calls.same_channel(&other.calls)
    }
}

/// The connection's side: the calls to push and the answers awaited.
#[derive(Debug)]
pub struct Endpoint {
    calls: mpsc::Receiver<Call>,
    waiting: HashMap<u64, (Event, oneshot::Sender<Result<Answer, Problem>>)>,
    next_id: u64,
}

/// A new connection extension of `app` on socket connection `connection`.
pub fn pair(app: impl Into<String>, connection: u64) -> (ConnectedExtension, Endpoint) {
    let (sender, receiver) = mpsc::channel(QUEUE);
    let extension = ConnectedExtension {
        app: app.into(),
        connection,
        calls: sender,
    };
    let endpoint = Endpoint {
        calls: receiver,
        waiting: HashMap::new(),
        next_id: 1,
    };
    (extension, endpoint)
}

/// `registerExtension` on a connection with `role`: only an app connection may, for the app
/// its hello named.
pub fn register(
    role: Option<&Role>,
    connection: u64,
) -> Result<(ConnectedExtension, Endpoint), ApiError> {
    match role {
        None => Err(say_hello_first("registerExtension")),
        Some(Role::Controller) => Err(ApiError::new(
            NOT_AUTHORIZED,
            "`registerExtension` is for an app connection: say hello as the app (its bundle id) \
             on a connection of its own, then register",
        )),
        Some(Role::App(app)) => Ok(pair(app.as_str(), connection)),
    }
}

impl ConnectedExtension {
    /// The app's bundle id.
    pub fn app(&self) -> &str {
        &self.app
    }

    /// How errors name it: `connection N`.
    pub fn name(&self) -> String {
        format!("connection {}", self.connection)
    }

    /// Whether the connection is still there.
    pub fn is_connected(&self) -> bool {
        !self.calls.is_closed()
    }

    /// Pushes `request` to the app and waits, within `limits.time`, for its answer.
    pub async fn call(
        &self,
        request: &ExtensionRequest,
        limits: &ExtensionLimits,
    ) -> Result<Answer, ExtensionError> {
        let asked = async {
            let (reply, answer) = oneshot::channel();
            let call = Call {
                request: request.clone(),
                reply,
            };
            self.calls
                .send(call)
                .await
                .map_err(|_| Problem::Disconnected)?;
            answer.await.map_err(|_| Problem::Disconnected)?
        };
        let result = match tokio::time::timeout(limits.time, asked).await {
            Ok(result) => result,
            Err(_) => Err(Problem::Hung { after: limits.time }),
        };
        result.map_err(|problem| problem.of(self.name(), request.app()))
    }
}

impl Endpoint {
    /// The next request to push, with its id; `None` once the manager dropped every
    /// [`ConnectedExtension`] of it (another registration replaced it).
    pub async fn next(&mut self) -> Option<(u64, ExtensionRequest)> {
        let call = self.calls.recv().await?;
        // Forget calls nobody waits for any more (their time limit passed).
        self.waiting.retain(|_, (_, reply)| !reply.is_closed());
        let id = self.next_id;
        self.next_id = self.next_id.saturating_add(1);
        self.waiting.insert(id, (call.request.event(), call.reply));
        Some((id, call.request))
    }

    /// `extensionAnswer`: hands `answer` to the call `id`. A wrong answer is refused here and
    /// reaches the manager as `garbage`; an unknown id is refused.
    pub fn answer(&mut self, id: u64, answer: &Value) -> Result<(), ApiError> {
        let Some((event, reply)) = self.waiting.remove(&id) else {
            return Err(ApiError::new(
                INVALID_REQUEST,
                format!(
                    "no extension request {id} waits for an answer on this connection (it was \
                     answered already, or never sent)"
                ),
            ));
        };
        if reply.is_closed() {
            return Err(ApiError::new(
                INVALID_REQUEST,
                format!(
                    "the manager no longer waits for the answer to extension request {id}: its \
                     time limit passed"
                ),
            ));
        }
        let bytes = serde_json::to_vec(answer).unwrap_or_default();
        let parsed = parse_answer(event, &bytes);
        let refusal = parsed.as_ref().err().map(|problem| {
            ApiError::new(
                INVALID_REQUEST,
                format!("the answer to extension request {id} (`{event}`) is refused: {problem}"),
            )
        });
        let _ = reply.send(parsed);
        refusal.map_or(Ok(()), Err)
    }
}

/// The next request for a connection's endpoint; pending forever without one. An endpoint
/// whose extension is gone is dropped.
pub async fn next_request(endpoint: &mut Option<Endpoint>) -> Option<(u64, ExtensionRequest)> {
    let Some(open) = endpoint else {
        return std::future::pending().await;
    };
    let next = open.next().await;
    if next.is_none() {
        *endpoint = None;
    }
    next
}

/// What a connection does with `registerExtension` or `extensionAnswer`.
#[derive(Debug)]
pub enum Handled {
    /// Send this request (`registerExtension` with the connection filled in) to the manager.
    Start(Request),
    /// Answer at once.
    Answered(Result<Value, ApiError>),
}

/// Serves `registerExtension` (a new endpoint for this connection, and the request the manager
/// must receive) or `extensionAnswer` (handed to the endpoint) for a connection with `role`.
pub fn on_request(
    role: Option<&Role>,
    connection: u64,
    endpoint: &mut Option<Endpoint>,
    request: Request,
) -> Handled {
    match request {
        Request::RegisterExtension { .. } => match register(role, connection) {
            Ok((extension, new)) => {
                *endpoint = Some(new);
                Handled::Start(Request::RegisterExtension {
                    connection: Some(extension),
                })
            }
            Err(refusal) => Handled::Answered(Err(refusal)),
        },
        Request::ExtensionAnswer { id, answer: value } => Handled::Answered(match role {
            None => Err(say_hello_first("extensionAnswer")),
            Some(_) => answer(endpoint.as_mut(), id, &value).map(|()| Value::Null),
        }),
        other => Handled::Answered(Err(ApiError::new(
            INVALID_REQUEST,
            format!("`{}` is not an extension request", other.method()),
        ))),
    }
}

/// `extensionAnswer` on a connection: refused when it registered no extension.
pub fn answer(endpoint: Option<&mut Endpoint>, id: u64, answer: &Value) -> Result<(), ApiError> {
    match endpoint {
        Some(endpoint) => endpoint.answer(id, answer),
        None => Err(ApiError::new(
            INVALID_REQUEST,
            "`extensionAnswer` on a connection that has not sent `registerExtension` (or whose \
             extension was replaced by another registration)",
        )),
    }
}

#[cfg(test)]
#[path = "connected_tests.rs"]
mod tests;
