//! The socket's messages: newline-delimited JSON, one message a line, in UTF-8
//! (`docs/protocol.md` documents every one).
//!
//! A client first says who it is with `hello` (an app, or a controller with the capability), then
//! sends requests: the manager's [`Request`] with an `id` of its choosing, plus the protocol's own
//! `subscribe` and `unsubscribe`. The server answers each with a [`Response`]
//! carrying the same `id`, and, once subscribed, sends [`ServerMessage::Event`] lines as things
//! happen. Parsing is strict about shape and forgiving about nothing else: every refusal is an
//! [`ApiError`] that names what was wrong (the JSON position, the unknown method, the field).

// documented by issue 12's core/typed work
#![allow(missing_docs)]

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::manager::api::{ApiError, Request};
use crate::manager::event::ManagerEvent;
use crate::model::ErrorKind;

use super::hello::HelloParams;
pub use super::hello::{Hello, Offered};

/// The longest request line the server reads, newline excluded: 1 MiB.
pub const MAX_LINE: usize = 1024 * 1024;

/// The error kind of requests the server cannot take (oversized, not UTF-8, malformed JSON,
/// unknown method, bad params): Apple's `downloadInvalid`, the closest code Background Assets has.
pub const INVALID_REQUEST: ErrorKind = ErrorKind::DownloadInvalid;

/// Every method a client may send: the manager's requests, then the protocol's own.
pub const METHODS: &[&str] = &[
    "hello",
    "status",
    "allAssetPacks",
    "assetPack",
    "register",
    "unregister",
    "ensure",
    "pause",
    "resume",
    "prioritize",
    "remove",
    "checkUpdates",
    "setLimits",
    "setLanguages",
    "filePath",
    "subscribe",
    "unsubscribe",
];

/// What a client can ask.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientMessage {
    /// Says who the connection is; nothing else is allowed before it.
    Hello(Hello),
    /// One of the manager's requests.
    Request(Request),
    /// Receive events from now on, only `app`'s when given; replaces an earlier subscription.
    Subscribe { app: Option<String> },
    /// Stop receiving events.
    Unsubscribe,
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
    pub message: ClientMessage,
}

/// A request line the server could not take: what to answer, with the id when it was readable.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub id: Value,
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
    pub fn into_response(self) -> Response {
        Response::failure(self.id, self.error)
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
    if !METHODS.contains(&method.as_str()) {
        return Err(format!(
            "unknown method `{method}`; the methods are: {}",
            METHODS.join(", ")
        ));
    }
    // `"params": null` (or `{}` for a method without params) means no params.
    let params = object.remove("params").unwrap_or(Value::Null);
    let params = match params {
        Value::Object(map) if map.is_empty() && method == "status" => Value::Null,
        other => other,
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
        _ => {
            if !params.is_null() {
                object.insert("params".into(), params);
            }
            let request: Request = serde_path_to_error::deserialize(Value::Object(object))
                .map_err(|e| {
                    let path = e.path().to_string();
                    let inner = e.into_inner();
                    if path == "." {
                        invalid(inner)
                    } else {
                        format!("invalid params for `{method}` at `{path}`: {inner}")
                    }
                })?;
            Ok(ClientMessage::Request(request))
        }
    }
}

/// The answer to one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// The request's `id`.
    pub id: Value,
    pub ok: bool,
    /// The result when `ok` (`null` for requests without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// The refusal when not `ok`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}

impl Response {
    /// A success carrying `result`.
    pub fn success(id: Value, result: Value) -> Self {
        Self {
            id,
            ok: true,
            result: Some(result),
            error: None,
        }
    }

    /// A refusal.
    pub fn failure(id: Value, error: ApiError) -> Self {
        Self {
            id,
            ok: false,
            result: None,
            error: Some(error),
        }
    }

    /// From a manager's answer.
    pub fn from_result(id: Value, result: Result<Value, ApiError>) -> Self {
        match result {
            Ok(value) => Self::success(id, value),
            Err(error) => Self::failure(id, error),
        }
    }

    /// Back into a manager's answer.
    pub fn into_result(self) -> Result<Value, ApiError> {
        match (self.ok, self.error) {
            (true, _) => Ok(self.result.unwrap_or(Value::Null)),
            (false, Some(error)) => Err(error),
            (false, None) => Err(ApiError::new(
                INVALID_REQUEST,
                "the manager refused without saying why",
            )),
        }
    }
}

/// A line from the server.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerMessage {
    /// `{"id": …, "ok": …, "result" | "error": …}`
    Response(Response),
    /// `{"event": {…}}`: something happened (subscribers only).
    Event(ManagerEvent),
    /// `{"missedEvents": n}`: `n` events were dropped because this connection read too slowly;
    /// re-read the state.
    MissedEvents(u64),
}

impl ServerMessage {
    /// The line to send (without its newline).
    pub fn to_line(&self) -> String {
        let value = match self {
            Self::Response(response) => serde_json::to_value(response),
            Self::Event(event) => {
                serde_json::to_value(event).map(|e| serde_json::json!({ "event": e }))
            }
            Self::MissedEvents(n) => Ok(serde_json::json!({ "missedEvents": n })),
        };
        // Our types always serialize (string keys only); keep the line well formed anyway.
        value.map_or_else(
            |e| {
                let error = ApiError::new(ErrorKind::Io, format!("cannot encode the reply: {e}"));
                serde_json::json!({ "id": null, "ok": false, "error": error }).to_string()
            },
            |v| v.to_string(),
        )
    }

    /// Reads one line from the server.
    pub fn parse(line: &str) -> Result<Self, String> {
        let value: Value = serde_json::from_str(line)
            .map_err(|e| format!("malformed JSON from the manager: {e}"))?;
        let Value::Object(mut object) = value else {
            return Err("a line from the manager is not a JSON object".into());
        };
        if let Some(event) = object.remove("event") {
            return serde_json::from_value(event)
                .map(Self::Event)
                .map_err(|e| format!("unreadable event: {e}"));
        }
        if let Some(missed) = object.remove("missedEvents") {
            return missed
                .as_u64()
                .map(Self::MissedEvents)
                .ok_or_else(|| "`missedEvents` is not a count".into());
        }
        serde_json::from_value(Value::Object(object))
            .map(Self::Response)
            .map_err(|e| format!("unreadable response: {e}"))
    }
}

/// The camelCase name of an error kind, as JSON spells it (`assetPackNotFound`).
pub fn kind_name(kind: ErrorKind) -> String {
    match serde_json::to_value(kind) {
        Ok(Value::String(name)) => name,
        _ => format!("{kind:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manager::api::Selection;
    use crate::model::FolderName;

    fn parse(line: &str) -> Result<RequestLine, Rejection> {
        RequestLine::parse(line.as_bytes()).map(|l| l.expect("not blank"))
    }

    /// One request of every method. The `match` fails to compile when a method is added, as a
    /// reminder to list it in [`METHODS`] and here.
    fn one_of_each() -> Vec<Request> {
        let all = vec![
            Request::Status,
            Request::AllAssetPacks { app: "a".into() },
            Request::AssetPack {
                app: "a".into(),
                pack: "p".into(),
            },
            Request::Register {
                path: "/x/Info.plist".into(),
            },
            Request::Unregister { app: "a".into() },
            Request::Ensure {
                app: "a".into(),
                pack: "p".into(),
                require_latest: true,
            },
            Request::Pause {
                selection: Selection::All,
            },
            Request::Resume {
                selection: Selection::pack("a", "p"),
            },
            Request::Prioritize {
                app: "a".into(),
                pack: "p".into(),
                to: crate::manager::api::Move::Top,
            },
            Request::Remove {
                app: "a".into(),
                pack: "p".into(),
            },
            Request::CheckUpdates { app: None },
            Request::SetLimits {
                limits: Default::default(),
            },
            Request::SetLanguages {
                languages: vec!["fr".into()],
            },
            Request::FilePath {
                app: "a".into(),
                pack: "p".into(),
                path: "x/y".into(),
            },
        ];
        for request in &all {
            match request {
                Request::Status
                | Request::AllAssetPacks { .. }
                | Request::AssetPack { .. }
                | Request::Register { .. }
                | Request::Unregister { .. }
                | Request::Ensure { .. }
                | Request::Pause { .. }
                | Request::Resume { .. }
                | Request::Prioritize { .. }
                | Request::Remove { .. }
                | Request::CheckUpdates { .. }
                | Request::SetLimits { .. }
                | Request::SetLanguages { .. }
                | Request::FilePath { .. } => {}
            }
        }
        all
    }

    #[test]
    fn every_method_is_listed_and_round_trips() {
        let requests = one_of_each();
        assert_eq!(requests.len() + 3, METHODS.len());
        for request in requests {
            let line = RequestLine {
                id: 1.into(),
                message: ClientMessage::Request(request.clone()),
            };
            let method = serde_json::to_value(&request).unwrap()["method"].clone();
            assert!(METHODS.contains(&method.as_str().unwrap()), "{method}");
            assert_eq!(method, request.method());
            assert_eq!(parse(&line.to_line()).unwrap(), line);
        }
        for message in [
            ClientMessage::Subscribe {
                app: Some("a".into()),
            },
            ClientMessage::Subscribe { app: None },
            ClientMessage::Unsubscribe,
            ClientMessage::Hello(Hello::App(FolderName::parse("group.a").unwrap())),
            ClientMessage::Hello(Hello::Controller(Offered("ab".repeat(32)))),
        ] {
            let line = RequestLine {
                id: "s".into(),
                message,
            };
            assert_eq!(parse(&line.to_line()).unwrap(), line);
        }
    }

    #[test]
    fn status_takes_no_params_null_or_empty() {
        for line in [
            r#"{"id":1,"method":"status"}"#,
            r#"{"id":1,"method":"status","params":null}"#,
            r#"{"id":1,"method":"status","params":{}}"#,
        ] {
            assert_eq!(
                parse(line).unwrap().message,
                ClientMessage::Request(Request::Status),
                "{line}"
            );
        }
    }

    #[test]
    fn refusals_name_the_problem() {
        let bad =
            parse(r#"{"id":3,"method":"pause","params":{"selection":{"nope":1}}}"#).unwrap_err();
        assert_eq!(bad.id, Value::from(3));
        assert!(
            bad.error.message.contains("params.selection"),
            "{}",
            bad.error.message
        );
        let unknown = parse(r#"{"id":"x","method":"explode"}"#).unwrap_err();
        assert_eq!(unknown.id, Value::from("x"));
        assert!(
            unknown.error.message.contains("`explode`") && unknown.error.message.contains("ensure")
        );
        let malformed = parse("{\"id\":1,\n\"method\":}").unwrap_err();
        assert!(
            malformed.error.message.contains("line 2 column 10"),
            "{}",
            malformed.error.message
        );
        let binary = RequestLine::parse(b"{\"id\":1,\xff}").unwrap_err();
        assert!(
            binary.error.message.contains("offset 8"),
            "{}",
            binary.error.message
        );
        assert_eq!(RequestLine::parse(b"  \r").unwrap(), None);
    }

    #[test]
    fn hello_names_one_valid_app_or_a_capability() {
        let hello = parse(r#"{"id":0,"method":"hello","params":{"app":"org.example.game"}}"#);
        assert_eq!(
            hello.unwrap().message,
            ClientMessage::Hello(Hello::App(FolderName::parse("org.example.game").unwrap()))
        );
        for (line, expected) in [
            (
                r#"{"id":0,"method":"hello","params":{"app":"../x"}}"#,
                "params.app",
            ),
            (
                r#"{"id":0,"method":"hello","params":{"app":""}}"#,
                "is empty",
            ),
            (r#"{"id":0,"method":"hello"}"#, "exactly one"),
            (
                r#"{"id":0,"method":"hello","params":{"app":"a","capability":"b"}}"#,
                "exactly one",
            ),
            (
                r#"{"id":0,"method":"hello","params":{"app":7}}"#,
                "invalid type",
            ),
        ] {
            let refused = parse(line).unwrap_err();
            assert_eq!(refused.error.kind, INVALID_REQUEST);
            assert!(
                refused.error.message.contains(expected),
                "{line}: {}",
                refused.error.message
            );
        }
        let offered = Offered("secret".into());
        assert_eq!(format!("{offered:?}"), "Offered(…)");
    }

    #[test]
    fn server_lines_round_trip() {
        let ok = ServerMessage::Response(Response::success(8.into(), Value::Null));
        assert_eq!(ok.to_line(), r#"{"id":8,"ok":true,"result":null}"#);
        let parsed = ServerMessage::parse(&ok.to_line()).unwrap();
        let ServerMessage::Response(response) = parsed else {
            panic!("{parsed:?}")
        };
        assert_eq!(response.into_result(), Ok(Value::Null));
        let missed = ServerMessage::MissedEvents(3);
        assert_eq!(ServerMessage::parse(&missed.to_line()).unwrap(), missed);
        assert_eq!(kind_name(ErrorKind::AssetPackNotFound), "assetPackNotFound");
    }
}
