//! One client connection, server side: reads request lines (at most [`MAX_LINE`] bytes each),
//! lets through what its role allows ([`Gate`]: nothing but `hello` until it is said), runs up to
//! [`MAX_IN_FLIGHT`] requests at once, and writes their responses and, once subscribed, the
//! manager's events it may see. Every problem is answered or logged; none ends the server.

use std::collections::HashMap;
use std::io;
use std::sync::Arc;

use tokio::io::{AsyncBufRead, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::task::JoinSet;

use super::capability::Capability;
use super::gate::{Filter, Gate};
use super::leases::Leases;
use super::line::{LineRead, read_line};
use super::protocol::{
    ClientMessage, INVALID_REQUEST, MAX_LINE, RequestLine, ResponseLine, ServerMessage,
};
use super::service::Service;
use crate::extension::connected;
use crate::manager::api::{ApiError, AppDownloadApi, Request};
use crate::manager::event::ManagerEvent;
use crate::model::ErrorKind;

/// Requests of one connection running at once; the connection is not read further until one
/// finishes.
pub const MAX_IN_FLIGHT: usize = 64;

/// Serves `stream` until the client leaves (or a write fails); a controller's `hello` must
/// offer `capability`.
pub async fn serve<S, T>(service: S, stream: T, connection: u64, capability: Arc<Capability>)
where
    S: Service,
    T: AsyncRead + AsyncWrite + Send + 'static,
{
    let (reader, writer) = tokio::io::split(stream);
    let mut session = Session {
        service,
        connection,
        writer,
        calls: JoinSet::new(),
        call_ids: HashMap::new(),
        events: None,
        gate: Gate::new(capability),
        extension: None,
        leases: Leases::default(),
    };
    session.run(BufReader::new(reader)).await;
    // An app's exclusive control ends with the connection that took it.
    for (app, lease) in session.leases.take_all() {
        let _ = session.service.release_exclusive_control(&app, lease).await;
    }
    tracing::debug!(connection, "disconnected");
}

/// Events for a subscriber, for one app or all.
struct Subscription {
    receiver: broadcast::Receiver<ManagerEvent>,
    app: Option<String>,
}

/// One step of the loop.
enum Step {
    Read(io::Result<LineRead>),
    Answered(ResponseLine),
    Event(Option<ServerMessage>),
    /// A request for this connection's extension (`registerExtension`), to push.
    Extension(Option<(u64, crate::extension::ExtensionRequest)>),
}

struct Session<S, W> {
    service: S,
    connection: u64,
    writer: W,
    calls: JoinSet<ResponseLine>,
    /// The request id of each running call, to answer even if it panics.
    call_ids: HashMap<tokio::task::Id, serde_json::Value>,
    events: Option<Subscription>,
    gate: Gate,
    /// This connection as its app's extension, once it sent `registerExtension`.
    extension: Option<connected::Endpoint>,
    leases: Leases,
}

impl<S: Service, W: AsyncWrite + Unpin> Session<S, W> {
    async fn run<R: AsyncBufRead + Unpin>(&mut self, mut reader: R) {
        let mut line = Vec::new();
        let mut reading = true;
        while reading || !self.calls.is_empty() {
            let step = tokio::select! {
                read = read_line(&mut reader, &mut line, MAX_LINE),
                    if reading && self.calls.len() < MAX_IN_FLIGHT => Step::Read(read),
                Some(done) = self.calls.join_next_with_id() => Step::Answered(self.answered(done)),
                event = next_event(&mut self.events) => Step::Event(event),
                pushed = connected::next_request(&mut self.extension) => Step::Extension(pushed),
            };
            let outgoing = match step {
                Step::Read(Ok(LineRead::Line)) => {
                    let reply = self.handle_line(&line).await;
                    line.clear();
                    reply
                }
                Step::Read(Ok(LineRead::Eof)) => {
                    // Answer what is running, then close. An extension that cannot answer any
                    // more is gone at once (`disconnected`), not `hung` at its limit.
                    reading = false;
                    self.events = None;
                    self.extension = None;
                    None
                }
                Step::Read(Ok(LineRead::TooLong)) => {
                    tracing::warn!(
                        connection = self.connection,
                        "closing the connection: a request line is longer than {MAX_LINE} bytes"
                    );
                    let error = ApiError::new(
                        INVALID_REQUEST,
                        format!(
                            "request line longer than {MAX_LINE} bytes; closing the connection"
                        ),
                    );
                    let reply = ServerMessage::Response(ResponseLine::failure(
                        serde_json::Value::Null,
                        error,
                    ));
                    let _ = self.write(&reply).await;
                    return;
                }
                Step::Read(Err(error)) => {
                    log_io_error(self.connection, "cannot read from the client", &error);
                    return;
                }
                Step::Answered(response) => Some(ServerMessage::Response(response)),
                Step::Event(Some(ServerMessage::Event(event))) => self
                    .gate
                    .shows(&self.service, &event)
                    .await
                    .then_some(ServerMessage::Event(event)),
                Step::Event(message) => message,
                Step::Extension(pushed) => {
                    pushed.map(|(id, request)| ServerMessage::ExtensionRequest {
                        id,
                        request: Box::new(request),
                    })
                }
            };
            if let Some(message) = outgoing
                && let Err(error) = self.write(&message).await
            {
                log_io_error(self.connection, "cannot write to the client", &error);
                return;
            }
        }
    }

    /// Starts a request, or answers at once (hello, subscriptions, refusals). `None`: nothing to
    /// say yet.
    async fn handle_line(&mut self, line: &[u8]) -> Option<ServerMessage> {
        let request = match RequestLine::parse(line) {
            Ok(Some(request)) => request,
            Ok(None) => return None,
            Err(rejection) => {
                tracing::warn!(
                    connection = self.connection,
                    "refusing a request: {}",
                    rejection.error.message
                );
                return Some(ServerMessage::Response(rejection.into_response()));
            }
        };
        let id = request.id;
        let answer = match request.message {
            ClientMessage::Hello(hello) => self.gate.hello(hello).and_then(|role| {
                serde_json::to_value(role).map_err(|e| {
                    ApiError::new(ErrorKind::Io, format!("cannot encode the role: {e}"))
                })
            }),
            ClientMessage::Subscribe { app } => {
                let admitted = self
                    .gate
                    .admit_subscription(&self.service, app.as_deref())
                    .await;
                admitted.map(|()| {
                    self.events = Some(Subscription {
                        receiver: self.service.subscribe(),
                        app,
                    });
                    serde_json::Value::Null
                })
            }
            ClientMessage::Unsubscribe => self.gate.admit_any("unsubscribe").map(|()| {
                self.events = None;
                serde_json::Value::Null
            }),
            ClientMessage::ShowWindow => self
                .gate
                .admit_controller(super::window::SHOW_WINDOW)
                .and_then(|()| {
                    serde_json::to_value(self.service.show_window()).map_err(|e| {
                        ApiError::new(ErrorKind::Io, format!("cannot encode the answer: {e}"))
                    })
                }),
            ClientMessage::Request(
                request @ (Request::RegisterExtension { .. } | Request::ExtensionAnswer { .. }),
            ) => {
                let role = self.gate.role();
                match connected::on_request(role, self.connection, &mut self.extension, request) {
                    connected::Handled::Start(request) => {
                        self.start(id, request, Filter::Nothing);
                        return None;
                    }
                    connected::Handled::Answered(result) => result,
                }
            }
            ClientMessage::Request(request) => match self.gate.admit(&self.service, &request).await
            {
                Ok(filter) => {
                    self.start(id, request, filter);
                    return None;
                }
                Err(refusal) => Err(refusal),
            },
        };
        if let Err(refusal) = &answer {
            tracing::warn!(
                connection = self.connection,
                "refusing request {id}: {}",
                refusal.message
            );
        }
        Some(ServerMessage::Response(ResponseLine::from_result(
            id, answer,
        )))
    }

    /// Runs an admitted request on its own task; its response is written when it is done.
    fn start(&mut self, id: serde_json::Value, mut request: Request, filter: Filter) {
        self.leases.fill(&mut request);
        let leases = self.leases.clone();
        let service = self.service.clone();
        let call_id = id.clone();
        let connection = self.connection;
        let task = self.calls.spawn(async move {
            let asked = request.clone();
            let result = filter.apply(service.call(request).await);
            leases.note(&asked, &result);
            if let Err(error) = &result {
                tracing::debug!(connection, "request {call_id} refused: {error}");
            }
            ResponseLine::answer(call_id, result)
        });
        self.call_ids.insert(task.id(), id);
    }

    /// The response of a finished call, or an error if it panicked.
    fn answered(
        &mut self,
        done: Result<(tokio::task::Id, ResponseLine), tokio::task::JoinError>,
    ) -> ResponseLine {
        match done {
            Ok((task, response)) => {
                self.call_ids.remove(&task);
                response
            }
            Err(error) => {
                let id = self.call_ids.remove(&error.id()).unwrap_or_default();
                tracing::error!(connection = self.connection, "request {id} failed: {error}");
                let error = ApiError::new(
                    ErrorKind::Io,
                    format!("the manager failed on this request: {error}"),
                );
                ResponseLine::failure(id, error)
            }
        }
    }

    async fn write(&mut self, message: &ServerMessage) -> io::Result<()> {
        if let Some((head, text)) = message.encoded_parts() {
            self.writer.write_all(head.as_bytes()).await?;
            self.writer.write_all(text.as_bytes()).await?;
            self.writer.write_all(b"}\n").await?;
            return self.writer.flush().await;
        }
        let mut line = message.to_line();
        line.push('\n');
        self.writer.write_all(line.as_bytes()).await?;
        self.writer.flush().await
    }
}

/// Logs a failed read or write: a client that left is routine (debug), anything else a warning.
fn log_io_error(connection: u64, action: &str, error: &io::Error) {
    use io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, UnexpectedEof};
    if matches!(
        error.kind(),
        BrokenPipe | ConnectionReset | ConnectionAborted | UnexpectedEof
    ) {
        tracing::debug!(connection, "{action}: the client left ({error})");
    } else {
        tracing::warn!(connection, "{action}: {error}");
    }
}

/// The next event for a subscriber (`None` when it is filtered out); pending without one.
async fn next_event(events: &mut Option<Subscription>) -> Option<ServerMessage> {
    let Some(subscription) = events else {
        return std::future::pending().await;
    };
    match subscription.receiver.recv().await {
        Ok(event) => subscription
            .app
            .as_ref()
            .is_none_or(|app| *app == event.app)
            .then_some(ServerMessage::Event(event)),
        Err(RecvError::Lagged(missed)) => {
            tracing::warn!("a subscriber reads too slowly: {missed} events dropped");
            Some(ServerMessage::MissedEvents(missed))
        }
        Err(RecvError::Closed) => {
            // The manager is stopping; requests still get their answers.
            *events = None;
            None
        }
    }
}
