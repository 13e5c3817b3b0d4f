//! What a pack row says after its state label: the facts of the state, most important first
//! (speed and time left while bytes arrive, the bytes done and total), and why the pack is in
//! it, as the manager says. Pure, so the row and the tests agree.

use super::format;
use super::view::PackState;
use crate::manager::view::PackView;

/// The facts of the state, most important first, the bytes last ("2.0 MB/s", "14 s left",
/// "12 MB / 40 MB"), and why it is in it, as the manager says. A paused or queued pack shows
/// no speed: it moves nothing now.
pub fn facts(pack: &PackView, state: PackState) -> (Vec<String>, String) {
    let mut parts = Vec::new();
    match state {
        PackState::Downloading(_) | PackState::Paused(_) | PackState::Retrying(..) => {
            if matches!(state, PackState::Downloading(_)) {
                parts.extend(format::rate(pack.progress.bytes_per_second));
                parts.extend(pack.eta_seconds.map(format::eta));
            }
            if let PackState::Retrying(_, attempt) = state {
                parts.push(format!("attempt {attempt}"));
            }
            parts.push(format::transfer(
                pack.progress.bytes_done,
                pack.progress.bytes_total,
            ));
        }
        PackState::Installed | PackState::Obsolete => {
            parts.push(format::bytes(pack.installed_bytes))
        }
        PackState::Failed if pack.reason.is_empty() => {
            parts.extend(pack.last_error.as_ref().map(|e| e.message.clone()));
        }
        PackState::Failed => {}
        _ => parts.push(format::bytes(pack.download_size)),
    }
    // Why it waits, is paused, failed or is not downloaded, as the manager says it.
    let says_why = matches!(
        state,
        PackState::Queued
            | PackState::Paused(_)
            | PackState::Failed
            | PackState::Vetoed
            | PackState::NotDownloaded
            | PackState::Obsolete
    );
    let why = if says_why {
        pack.reason.clone()
    } else {
        String::new()
    };
    (parts, why)
}
