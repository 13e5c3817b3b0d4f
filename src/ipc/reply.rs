//! The server's lines: the [`ResponseLine`] to each request (`{"id", "ok", "result" | "error"}`,
//! the result being the verb's [`Response`] in JSON), and the [`ServerMessage`]s a subscriber
//! also receives (events, missed events); `docs/protocol.md` documents each.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::manager::api::{ApiError, Response};
use crate::manager::event::ManagerEvent;
use crate::model::ErrorKind;

/// The error kind of requests the server cannot take (oversized, not UTF-8, malformed JSON,
/// unknown method, bad params): Apple's `downloadInvalid`, the closest code Background Assets has.
pub const INVALID_REQUEST: ErrorKind = ErrorKind::DownloadInvalid;

/// The answer to one request, as a line carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseLine {
    /// The request's `id`.
    pub id: Value,
    /// Whether the request was done: `result` when it was, `error` when not.
    pub ok: bool,
    /// The result when `ok` (`null` for requests without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// The refusal when not `ok`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    /// The result already encoded (the manager's answers; a published status document is
    /// encoded once for every connection that asks); written in place of `result`.
    #[serde(skip)]
    pub encoded: Option<Arc<String>>,
}

impl ResponseLine {
    /// A success carrying `result`.
    pub fn success(id: Value, result: Value) -> Self {
        Self {
            id,
            ok: true,
            result: Some(result),
            error: None,
            encoded: None,
        }
    }

    /// A refusal.
    pub fn failure(id: Value, error: ApiError) -> Self {
        Self {
            id,
            ok: false,
            result: None,
            error: Some(error),
            encoded: None,
        }
    }

    /// From an answer of the protocol's own (`hello`, `subscribe`).
    pub fn from_result(id: Value, result: Result<Value, ApiError>) -> Self {
        match result {
            Ok(value) => Self::success(id, value),
            Err(error) => Self::failure(id, error),
        }
    }

    /// From the manager's answer: its result as `docs/protocol.md` documents it, encoded as
    /// JSON text at once (a published status document once for every connection), never built
    /// as a `Value` first: the `Value` of a `register` answer listing 10,000 packs took 58 MB
    /// for 8.7 MB of text, and was the daemon's peak memory.
    pub fn answer(id: Value, answer: Result<Response, ApiError>) -> Self {
        let response = match answer {
            Ok(response) => response,
            Err(error) => return Self::failure(id, error),
        };
        let text = match &response {
            Response::Status(document) => super::encoded::status_json(document),
            other => serde_json::to_string(other).map(Arc::new),
        };
        match text {
            Ok(text) => Self {
                id,
                ok: true,
                result: None,
                error: None,
                encoded: Some(text),
            },
            Err(e) => Self::failure(
                id,
                ApiError::new(
                    ErrorKind::Io,
                    format!("cannot encode the result of `{}`: {e}", response.method()),
                ),
            ),
        }
    }

    /// The result JSON, or the refusal.
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
    Response(ResponseLine),
    /// `{"event": {…}}`: something happened (subscribers only).
    Event(ManagerEvent),
    /// `{"missedEvents": n}`: `n` events were dropped because this connection read too slowly;
    /// re-read the state.
    MissedEvents(u64),
    /// `{"extensionRequest": {"id": n, "request": {…}}}`: the manager asks this connection
    /// extension; answer with `extensionAnswer` (`docs/extensions.md`).
    ExtensionRequest {
        /// The id to answer with.
        id: u64,
        /// The request, as a process extension reads it on stdin.
        request: Box<crate::extension::ExtensionRequest>,
    },
}

impl ServerMessage {
    /// The line to send (without its newline).
    pub fn to_line(&self) -> String {
        let value = match self {
            Self::Response(ResponseLine {
                id,
                encoded: Some(text),
                ..
            }) => return format!(r#"{{"id":{id},"ok":true,"result":{text}}}"#),
            Self::Response(response) => return Self::encode(response),
            Self::Event(event) => {
                serde_json::to_value(event).map(|e| serde_json::json!({ "event": e }))
            }
            Self::MissedEvents(n) => Ok(serde_json::json!({ "missedEvents": n })),
            Self::ExtensionRequest { id, request } => serde_json::to_value(request)
                .map(|r| serde_json::json!({ "extensionRequest": { "id": id, "request": r } })),
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

    /// For a response whose result is already encoded (the manager's answers): the
    /// line's head (`{"id":…,"ok":true,"result":`) and the shared result text, so the text is
    /// written as it is, never copied into one more string; the line ends with `}`.
    pub fn encoded_parts(&self) -> Option<(String, Arc<String>)> {
        match self {
            Self::Response(ResponseLine {
                id,
                encoded: Some(text),
                ..
            }) => Some((format!(r#"{{"id":{id},"ok":true,"result":"#), text.clone())),
            _ => None,
        }
    }

    /// A response line, encoded directly (not through a `Value` copy of it).
    fn encode(response: &ResponseLine) -> String {
        serde_json::to_string(response).unwrap_or_else(|e| {
            let error = ApiError::new(ErrorKind::Io, format!("cannot encode the reply: {e}"));
            serde_json::json!({ "id": null, "ok": false, "error": error }).to_string()
        })
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
        if let Some(pushed) = object.remove("extensionRequest") {
            #[derive(Deserialize)]
            struct Pushed {
                id: u64,
                request: Box<crate::extension::ExtensionRequest>,
            }
            return serde_json::from_value(pushed)
                .map(|Pushed { id, request }| Self::ExtensionRequest { id, request })
                .map_err(|e| format!("unreadable extension request: {e}"));
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
