//! `showWindow`: a second `bgassets` launched while a window process holds the data dir asks
//! that process to show its window instead of starting a second manager. The process with a
//! window answers `{"shown": true}`; a headless `bgassets daemon` answers `{"shown": false}`
//! with the reason, and the new process opens a window on the daemon. Controllers only.

use serde::{Deserialize, Serialize};

/// The method's name on the socket.
pub const SHOW_WINDOW: &str = "showWindow";

/// `showWindow`'s result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WindowShown {
    /// Whether the manager has a window and was asked to show it.
    pub shown: bool,
    /// Why not, when it was not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl WindowShown {
    /// The answer of a process with a window.
    pub fn shown() -> Self {
        Self {
            shown: true,
            reason: None,
        }
    }

    /// The answer of a manager without a window (`bgassets daemon`).
    pub fn no_window() -> Self {
        Self {
            shown: false,
            reason: Some("this manager runs without a window (bgassets daemon)".into()),
        }
    }
}
