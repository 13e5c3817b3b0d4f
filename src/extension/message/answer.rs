//! The answers, one type per event, and [`parse_answer`]: an answer is read once, here, within
//! bounds (at most [`MAX_ANSWER_BYTES`], serde_json's nesting limit of 128, at most
//! [`MAX_DOWNLOADS`] downloads, no unknown field), into the event's validated type.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::Event;
use crate::extension::error::Problem;
use crate::model::app_download::{MAX_HEADER_BYTES, MAX_HEADERS};
use crate::model::{DownloadSpec, Header};

/// The most bytes an answer may have: 1 MiB.
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;
/// The most downloads one content answer may list.
pub const MAX_DOWNLOADS: usize = 256;
/// The longest `moveTo` path, in bytes.
pub const MAX_MOVE_TO: usize = 1024;
/// How much of a wrong answer an error quotes.
const QUOTED: usize = 200;

/// `shouldDownload`'s answer: `{"shouldDownload": true | false}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShouldDownloadAnswer {
    /// `false` vetoes the pack's download.
    pub should_download: bool,
}

/// `contentRequest`'s answer: `{"downloads": [DownloadSpec…]}` (may be empty).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContentAnswer {
    /// The downloads to schedule, at most [`MAX_DOWNLOADS`].
    pub downloads: Vec<DownloadSpec>,
}

/// `finished`'s answer: `{}`, or `{"moveTo": "relative/path"}` inside the container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FinishedAnswer {
    /// Where in the app's container to move the file (checked relative, no `..`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub move_to: Option<String>,
}

/// `authChallenge`'s answer: headers to retry with (empty: give up), a fresh URL, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthAnswer {
    /// Headers for the one retry; an empty list gives up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Vec<Header>>,
    /// A fresh URL (a signed one) for the retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
}

/// `failed`'s and `willTerminate`'s answer: `{}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmptyAnswer {}

/// A valid answer, of the event it answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// To `shouldDownload`.
    ShouldDownload(ShouldDownloadAnswer),
    /// To `contentRequest`.
    Content(ContentAnswer),
    /// To `finished`.
    Finished(FinishedAnswer),
    /// To `failed`.
    Failed,
    /// To `authChallenge`.
    Auth(AuthAnswer),
    /// To `willTerminate`.
    WillTerminate,
}

/// Reads the answer to `event` from `bytes` (a process's stdout, or a connection's answer).
/// Surrounding whitespace is ignored; anything else that is not exactly one JSON object of the
/// event's answer is [`Problem::Garbage`], saying what was wrong and quoting the first 200
/// bytes; more than [`MAX_ANSWER_BYTES`] is [`Problem::TooMuchOutput`].
pub fn parse_answer(event: Event, bytes: &[u8]) -> Result<Answer, Problem> {
    if bytes.len() > MAX_ANSWER_BYTES {
        return Err(Problem::TooMuchOutput {
            limit: MAX_ANSWER_BYTES,
        });
    }
    let garbage = |what: String| Problem::Garbage(format!("{what}; {}", quote(bytes)));
    let text = bytes.trim_ascii();
    if text.is_empty() {
        return Err(Problem::Garbage(format!(
            "no answer: the output is empty (a `{event}` answer is one JSON object)"
        )));
    }
    let value: Value = serde_json::from_slice(text).map_err(|e| {
        garbage(format!(
            "the answer to `{event}` is not one JSON value: {e}"
        ))
    })?;
    let Value::Object(object) = &value else {
        return Err(garbage(format!(
            "the answer to `{event}` is not a JSON object"
        )));
    };
    if let Some(Value::Array(downloads)) = object.get("downloads")
        && downloads.len() > MAX_DOWNLOADS
    {
        return Err(garbage(format!(
            "the answer lists {} downloads; at most {MAX_DOWNLOADS} are allowed",
            downloads.len()
        )));
    }
    let answer = match event {
        Event::ShouldDownload => Answer::ShouldDownload(typed(event, value).map_err(garbage)?),
        Event::ContentRequest => Answer::Content(typed(event, value).map_err(garbage)?),
        Event::Finished => {
            let answer: FinishedAnswer = typed(event, value).map_err(garbage)?;
            if let Some(path) = &answer.move_to {
                check_move_to(path).map_err(garbage)?;
            }
            Answer::Finished(answer)
        }
        Event::Failed => typed::<EmptyAnswer>(event, value)
            .map(|_| Answer::Failed)
            .map_err(garbage)?,
        Event::AuthChallenge => {
            let answer: AuthAnswer = typed(event, value).map_err(garbage)?;
            check_auth(&answer).map_err(garbage)?;
            Answer::Auth(answer)
        }
        Event::WillTerminate => typed::<EmptyAnswer>(event, value)
            .map(|_| Answer::WillTerminate)
            .map_err(garbage)?,
    };
    Ok(answer)
}

/// The answer's type, or what is wrong with it and where (`downloads[2].url`).
fn typed<T: serde::de::DeserializeOwned>(event: Event, value: Value) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            format!("not a `{event}` answer: {inner}")
        } else {
            format!("not a `{event}` answer: at `{path}`: {inner}")
        }
    })
}

/// A `moveTo` stays inside the container: relative, no `.`, `..` or empty segment, bounded.
fn check_move_to(path: &str) -> Result<(), String> {
    if path.len() > MAX_MOVE_TO {
        return Err(format!(
            "`moveTo` is {} bytes long; at most {MAX_MOVE_TO} are allowed",
            path.len()
        ));
    }
    if path.starts_with('/') {
        return Err(format!(
            "`moveTo` `{path}` is absolute; it must be relative to the app's container"
        ));
    }
    crate::model::rel_path::check(path)
        .map(drop)
        .map_err(|problem| format!("`moveTo`: {problem}"))
}

/// An auth answer says something, with bounded headers and an http(s) URL.
fn check_auth(answer: &AuthAnswer) -> Result<(), String> {
    if answer.headers.is_none() && answer.url.is_none() {
        return Err(
            "an `authChallenge` answer needs `headers` (an empty list gives up), `url`, or both"
                .into(),
        );
    }
    if let Some(headers) = &answer.headers {
        if headers.len() > MAX_HEADERS {
            return Err(format!(
                "{} headers; at most {MAX_HEADERS} are allowed",
                headers.len()
            ));
        }
        let bytes = headers
            .iter()
            .map(|h| h.name.len().saturating_add(h.value.len()))
            .fold(0usize, usize::saturating_add);
        if bytes > MAX_HEADER_BYTES {
            return Err(format!(
                "{bytes} bytes of headers; at most {MAX_HEADER_BYTES} are allowed"
            ));
        }
    }
    if let Some(url) = &answer.url
        && !matches!(url.scheme(), "http" | "https")
    {
        return Err(format!("`url` `{url}` is not an http or https URL"));
    }
    Ok(())
}

/// `the answer began: "…"` with the first 200 bytes, escaped.
fn quote(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(QUOTED)];
    let more = if bytes.len() > QUOTED { "…" } else { "" };
    format!(
        "the answer began: \"{}{more}\"",
        String::from_utf8_lossy(head).escape_debug()
    )
}

#[cfg(test)]
#[path = "answer_tests.rs"]
mod tests;
