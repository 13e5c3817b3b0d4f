//! An app's downloader extension (issue 14): the app's say while it is not running. The same
//! JSON messages reach two kinds of extension (`docs/extensions.md`):
//!
//! - [`process`]: the executable an app names with `BGAssetsDownloaderExtension`, run once per
//!   event with a cleared environment, in its own process group, with a time limit and capped
//!   output;
//! - [`connected`]: a running app that said `registerExtension` over the socket, asked with
//!   pushed `extensionRequest` lines and answering with `extensionAnswer`.
//!
//! [`message`] holds the requests and answers and the bounded parsing of an answer; [`error`]
//! the named reasons a call gave no answer. [`Extension`] is either kind behind one `call`.

pub mod connected;
pub mod error;
pub mod message;
pub mod process;

use std::path::Path;
use std::time::Duration;

pub use connected::ConnectedExtension;
pub use error::{ExtensionError, ExtensionErrorKind, Problem};
pub use message::{Answer, Event, ExtensionRequest, parse_answer};
pub use process::ProcessExtension;

/// The bounds of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtensionLimits {
    /// How long an answer may take; a process is killed at the limit (`hung`).
    pub time: Duration,
    /// The most bytes of an answer (a process's stdout): more is `tooMuchOutput`.
    pub max_output: usize,
    /// The last bytes of a process's stderr kept for its error message.
    pub stderr_tail: usize,
}

impl Default for ExtensionLimits {
    /// 10 s, 1 MiB of answer, the last 4 KiB of stderr.
    fn default() -> Self {
        Self {
            time: Duration::from_secs(10),
            max_output: message::MAX_ANSWER_BYTES,
            stderr_tail: 4 * 1024,
        }
    }
}

impl ExtensionLimits {
    /// For `willTerminate`, sent while the manager stops: 2 s, the rest as by default.
    pub fn will_terminate() -> Self {
        Self {
            time: Duration::from_secs(2),
            ..Self::default()
        }
    }
}

/// An app's extension, of either kind.
#[derive(Debug, Clone)]
pub enum Extension {
    /// The executable the Info.plist names.
    Process(ProcessExtension),
    /// A running app registered over the socket.
    Connected(ConnectedExtension),
}

impl Extension {
    /// Asks the extension `request` (for the app it names) and waits, within `limits`, for a
    /// valid answer of that event. A process extension runs with `container` (created if
    /// missing) as its working directory and `HOME`.
    pub async fn call(
        &self,
        container: &Path,
        request: &ExtensionRequest,
        limits: &ExtensionLimits,
    ) -> Result<Answer, ExtensionError> {
        match self {
            Self::Process(process) => process.call(container, request, limits).await,
            Self::Connected(connected) => connected.call(request, limits).await,
        }
    }

    /// How errors and the inspector name it: the path from the Info.plist, or `connection N`.
    pub fn name(&self) -> String {
        match self {
            Self::Process(process) => process.path().to_string(),
            Self::Connected(connected) => connected.name(),
        }
    }
}
