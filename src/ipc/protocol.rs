//! The socket's messages: newline-delimited JSON, one message a line, in UTF-8
//! (`docs/protocol.md` documents every one).
//!
//! A client first says who it is with `hello` (an app, or a controller with the capability), then
//! sends requests: the manager's [`Request`] with an `id` of its choosing, plus the protocol's own
//! `subscribe` and `unsubscribe`. The server answers each with a [`ResponseLine`] carrying the
//! same `id` and the verb's result, and, once subscribed, sends [`ServerMessage::Event`] lines as
//! things happen (those lines are [`super::reply`]'s). Parsing is strict about shape and
//! forgiving about nothing else: every refusal is an [`ApiError`] that names what was wrong (the
//! JSON position, the unknown method, the field).

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::manager::api::{ApiError, Request};

use super::hello::HelloParams;
pub use super::hello::{Hello, Offered};
pub use super::reply::{INVALID_REQUEST, ResponseLine, ServerMessage, kind_name};

/// The longest request line the server reads, newline excluded: 1 MiB.
pub const MAX_LINE: usize = 1024 * 1024;

/// The methods of the protocol itself, beside the manager's ([`Request::METHODS`]).
pub const PROTOCOL_METHODS: &[&str] = &["hello", "subscribe", "unsubscribe", "showWindow"];

/// Every method a client may send: `hello`, the manager's requests, then the rest of the
/// protocol's own.
pub fn methods() -> impl Iterator<Item = &'static str> {
    std::iter::once("hello")
        .chain(Request::METHODS.iter().copied())
        .chain(PROTOCOL_METHODS.iter().copied().filter(|m| *m != "hello"))
}

/// What a client can ask.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientMessage {
    /// Says who the connection is; nothing else is allowed before it.
    Hello(Hello),
    /// One of the manager's requests.
    Request(Request),
    /// Receive events from now on, only `app`'s when given; replaces an earlier subscription.
    Subscribe {
        /// The app whose events to receive; `None` for every app's.
        app: Option<String>,
    },
    /// Stop receiving events.
    Unsubscribe,
    /// Show the manager's window, if it has one ([`super::window`]).
    ShowWindow,
}

/// `subscribe`'s params.
#[derive(Debug, Default, Deserialize)]
struct SubscribeParams {
    #[serde(default)]
    app: Option<String>,
}

/// A request line: a message and the client's `id` for it.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestLine {
    /// A number or a string, echoed in the response; `null` when absent.
    pub id: Value,
    /// What the client asks.
    pub message: ClientMessage,
}

/// A request line the server could not take: what to answer, with the id when it was readable.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// The request's `id`; `null` when it could not be read.
    pub id: Value,
    /// What was wrong with the line.
    pub error: ApiError,
}

impl Rejection {
    fn new(id: Value, message: impl Into<String>) -> Self {
        Self {
            id,
            error: ApiError::new(INVALID_REQUEST, message),
        }
    }

    /// The reply to send.
    pub fn into_response(self) -> ResponseLine {
        ResponseLine::failure(self.id, self.error)
    }
}

impl RequestLine {
    /// Reads one line (without its newline). `Ok(None)` for a blank line, which is ignored.
    pub fn parse(bytes: &[u8]) -> Result<Option<Self>, Rejection> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            Rejection::new(
                Value::Null,
                format!(
                    "the request is not UTF-8 (invalid byte at offset {})",
                    e.valid_up_to()
                ),
            )
        })?;
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Rejection::new(Value::Null, format!("malformed JSON: {e}")))?;
        let Value::Object(mut object) = value else {
            return Err(Rejection::new(
                Value::Null,
                "a request must be a JSON object with `id`, `method` and `params`",
            ));
        };
        let id = object.remove("id").unwrap_or(Value::Null);
        if !matches!(id, Value::Null | Value::Number(_) | Value::String(_)) {
            return Err(Rejection::new(
                Value::Null,
                "`id` must be a number or a string",
            ));
        }
        let message =
            parse_message(object).map_err(|message| Rejection::new(id.clone(), message))?;
        Ok(Some(Self { id, message }))
    }

    /// The line to send (without its newline).
    pub fn to_line(&self) -> String {
        let mut object = match &self.message {
            ClientMessage::Request(request) => match serde_json::to_value(request) {
                Ok(Value::Object(object)) => object,
                // A `Request` always serializes as an object; keep the line well formed anyway.
                _ => Map::new(),
            },
            ClientMessage::Subscribe { app } => {
                let mut object = Map::new();
                object.insert("method".into(), "subscribe".into());
                object.insert("params".into(), serde_json::json!({ "app": app }));
                object
            }
            ClientMessage::Unsubscribe => {
                let mut object = Map::new();
                object.insert("method".into(), "unsubscribe".into());
                object
            }
            ClientMessage::ShowWindow => {
                let mut object = Map::new();
                object.insert("method".into(), super::window::SHOW_WINDOW.into());
                object
            }
            ClientMessage::Hello(hello) => {
                let params = match hello {
                    Hello::App(app) => serde_json::json!({ "app": app.as_str() }),
                    Hello::Controller(offered) => serde_json::json!({ "capability": offered.0 }),
                };
                let mut object = Map::new();
                object.insert("method".into(), "hello".into());
                object.insert("params".into(), params);
                object
            }
        };
        object.insert("id".into(), self.id.clone());
        Value::Object(object).to_string()
    }
}

/// Turns a request object (its `id` removed) into a message, or says what is wrong with it.
fn parse_message(mut object: Map<String, Value>) -> Result<ClientMessage, String> {
    let method = match object.get("method") {
        Some(Value::String(method)) => method.clone(),
        Some(_) => return Err("`method` must be a string".into()),
        None => return Err("missing `method`".into()),
    };
    if !methods().any(|known| known == method) {
        return Err(format!(
            "unknown method `{method}`; the methods are: {}",
            methods().collect::<Vec<_>>().join(", ")
        ));
    }
    // Absent, `null` and `{}` all mean no params.
    let params = match object.remove("params") {
        None | Some(Value::Null) => Value::Null,
        Some(Value::Object(map)) if map.is_empty() => Value::Null,
        Some(other) => other,
    };
    let invalid = |e: serde_json::Error| format!("invalid params for `{method}`: {e}");
    match method.as_str() {
        "hello" => {
            let params: HelloParams = if params.is_null() {
                HelloParams::default()
            } else {
                serde_json::from_value(params).map_err(invalid)?
            };
            params.into_hello().map(ClientMessage::Hello)
        }
        "subscribe" => {
            let params: SubscribeParams = if params.is_null() {
                SubscribeParams::default()
            } else {
                serde_json::from_value(params).map_err(invalid)?
            };
            Ok(ClientMessage::Subscribe { app: params.app })
        }
        "unsubscribe" => Ok(ClientMessage::Unsubscribe),
        super::window::SHOW_WINDOW => Ok(ClientMessage::ShowWindow),
        _ => parse_request(&method, object, params).map(ClientMessage::Request),
    }
}

/// Reads one of the manager's requests: `object` holds its `method`, `params` its params
/// (`null` for none).
fn parse_request(
    method: &str,
    object: Map<String, Value>,
    params: Value,
) -> Result<Request, String> {
    let read = |params: Option<Value>| {
        let mut object = object.clone();
        if let Some(params) = params {
            object.insert("params".into(), params);
        }
        serde_path_to_error::deserialize::<_, Request>(Value::Object(object)).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if path == "." {
                format!("invalid params for `{method}`: {inner}")
            } else {
                format!("invalid params for `{method}` at `{path}`: {inner}")
            }
        })
    };
    if !params.is_null() {
        return read(Some(params));
    }
    // No params: a method that takes none (`status`) reads as it is; one whose params are all
    // optional (`checkUpdates`) reads them as `{}`, as `docs/protocol.md` promises.
    read(None).or_else(|_| read(Some(Value::Object(Map::new()))))
}

#[cfg(test)]
#[path = "protocol_tests.rs"]
mod tests;
