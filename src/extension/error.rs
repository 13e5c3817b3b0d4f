//! Why an extension gave no usable answer, by name (`docs/extensions.md`, "Errors"): each
//! [`Problem`] has an [`ExtensionErrorKind`] shown in the inspector, `ctl status` and the event
//! log, and an [`ExtensionError`] says which extension of which app.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The kind of an extension error, as JSON names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ExtensionErrorKind {
    /// No file at the extension's path.
    NotFound,
    /// The file is not a regular executable file inside the app's folder.
    NotExecutable,
    /// The process could not be started.
    SpawnFailed,
    /// No answer within the time limit: killed.
    Hung,
    /// Killed by a signal.
    Crashed,
    /// Exited with a code other than 0.
    ExitCode,
    /// The answer is not the event's answer.
    Garbage,
    /// More output than an answer may have: killed.
    TooMuchOutput,
    /// The connection extension went away.
    Disconnected,
}

impl ExtensionErrorKind {
    /// The name JSON uses (`tooMuchOutput`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotFound => "notFound",
            Self::NotExecutable => "notExecutable",
            Self::SpawnFailed => "spawnFailed",
            Self::Hung => "hung",
            Self::Crashed => "crashed",
            Self::ExitCode => "exitCode",
            Self::Garbage => "garbage",
            Self::TooMuchOutput => "tooMuchOutput",
            Self::Disconnected => "disconnected",
        }
    }
}

impl std::fmt::Display for ExtensionErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What went wrong, with what a person needs to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// No file at the path.
    #[error("{0}")]
    NotFound(String),
    /// Not a regular executable file inside the app's folder.
    #[error("{0}")]
    NotExecutable(String),
    /// The process could not be started (or its container made).
    #[error("{0}")]
    SpawnFailed(String),
    /// No answer within `after`.
    #[error("no answer within {}; it was stopped", seconds(*after))]
    Hung {
        /// The time limit.
        after: Duration,
    },
    /// Killed by `signal`.
    #[error("killed by signal {signal}{}{}", signal_name(*signal), tail(stderr))]
    Crashed {
        /// The signal's number.
        signal: i32,
        /// The end of its stderr.
        stderr: String,
    },
    /// Exited with `code`.
    #[error("exited with code {code}{}", tail(stderr))]
    ExitCode {
        /// The exit code.
        code: i32,
        /// The end of its stderr.
        stderr: String,
    },
    /// The answer is wrong: what was wrong, and how the answer began.
    #[error("{0}")]
    Garbage(String),
    /// More than `limit` bytes of answer.
    #[error("more than {limit} bytes of answer (the limit); it was stopped")]
    TooMuchOutput {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The connection closed before it answered.
    #[error("the app's connection closed before it answered")]
    Disconnected,
}

impl Problem {
    /// Its kind.
    pub fn kind(&self) -> ExtensionErrorKind {
        match self {
            Self::NotFound(_) => ExtensionErrorKind::NotFound,
            Self::NotExecutable(_) => ExtensionErrorKind::NotExecutable,
            Self::SpawnFailed(_) => ExtensionErrorKind::SpawnFailed,
            Self::Hung { .. } => ExtensionErrorKind::Hung,
            Self::Crashed { .. } => ExtensionErrorKind::Crashed,
            Self::ExitCode { .. } => ExtensionErrorKind::ExitCode,
            Self::Garbage(_) => ExtensionErrorKind::Garbage,
            Self::TooMuchOutput { .. } => ExtensionErrorKind::TooMuchOutput,
            Self::Disconnected => ExtensionErrorKind::Disconnected,
        }
    }

    /// The error of `extension` (its path or `connection N`) of `app`.
    pub fn of(self, extension: impl Into<String>, app: impl Into<String>) -> ExtensionError {
        ExtensionError {
            extension: extension.into(),
            app: app.into(),
            problem: self,
        }
    }
}

/// A call to an app's extension that gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("extension `{extension}` of {app}: {}: {problem}", problem.kind())]
pub struct ExtensionError {
    /// The extension: its path as the Info.plist gives it, or `connection N`.
    pub extension: String,
    /// The app's bundle id.
    pub app: String,
    /// What went wrong.
    pub problem: Problem,
}

impl ExtensionError {
    /// Its kind.
    pub fn kind(&self) -> ExtensionErrorKind {
        self.problem.kind()
    }
}

/// `10 s`, `0.5 s`.
fn seconds(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis.is_multiple_of(1000) {
        format!("{} s", millis / 1000)
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}

/// ` (SIGSEGV)` for the signals a crash usually is.
fn signal_name(signal: i32) -> &'static str {
    #[cfg(unix)]
    {
        let names = [
            (libc::SIGSEGV, " (SIGSEGV)"),
            (libc::SIGABRT, " (SIGABRT)"),
            (libc::SIGBUS, " (SIGBUS)"),
            (libc::SIGFPE, " (SIGFPE)"),
            (libc::SIGILL, " (SIGILL)"),
            (libc::SIGKILL, " (SIGKILL)"),
            (libc::SIGTERM, " (SIGTERM)"),
            (libc::SIGPIPE, " (SIGPIPE)"),
        ];
        if let Some((_, name)) = names.iter().find(|(number, _)| *number == signal) {
            return name;
        }
    }
    let _ = signal;
    ""
}

/// `; stderr: …` when there is any.
fn tail(stderr: &str) -> String {
    let stderr = stderr.trim();
    if stderr.is_empty() {
        "; it wrote nothing on stderr".into()
    } else {
        format!("; stderr ends with: {stderr}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_names_the_extension_the_app_and_the_kind() {
        let error = Problem::Hung {
            after: Duration::from_secs(10),
        }
        .of("bin/ext", "org.example.game");
        assert_eq!(
            error.to_string(),
            "extension `bin/ext` of org.example.game: hung: no answer within 10 s; it was stopped"
        );
        let error = Problem::ExitCode {
            code: 3,
            stderr: "cannot reach the token service\n".into(),
        }
        .of("connection 4", "a.b");
        assert_eq!(error.kind(), ExtensionErrorKind::ExitCode);
        assert!(
            error.to_string().ends_with(
                "exitCode: exited with code 3; stderr ends with: cannot reach the token service"
            ),
            "{error}"
        );
        let short = Problem::Hung {
            after: Duration::from_millis(500),
        };
        assert_eq!(short.to_string(), "no answer within 0.5 s; it was stopped");
    }

    #[test]
    fn kinds_have_their_json_names() {
        for kind in [
            ExtensionErrorKind::NotFound,
            ExtensionErrorKind::TooMuchOutput,
            ExtensionErrorKind::Disconnected,
        ] {
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json, kind.as_str());
        }
    }
}
