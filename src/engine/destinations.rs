//! Which download a destination belongs to. Two downloads the engine may still run never share
//! one: both would write the same partial file, and one's bytes would be renamed into the
//! other's place after the other's checksum passed. Nor is a destination ever one of the
//! engine's own working names (`NAME.partial`, `NAME.partial.segments`, and the latter's
//! `.partial`), which another download of `NAME` would write and delete under it. Names are
//! compared as the file systems of macOS and Windows do (letters' case ignored; Windows drops
//! trailing dots and spaces), so `x.PARTIAL` is refused too.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::download::{Download, DownloadState};

/// The endings of the engine's working files: every one of them ends in one of these.
const RESERVED_ENDINGS: [&str; 2] = [".partial", ".segments"];

/// Why `destination` can never be a download's: its name ends like the engine's working files.
pub fn reserved(destination: &Path) -> Option<String> {
    let name = destination.file_name()?.to_string_lossy();
    let folded = folded(&name);
    let ending = RESERVED_ENDINGS.iter().find(|e| folded.ends_with(*e))?;
    Some(format!(
        "the destination `{name}` ends in `{ending}`, which the engine keeps for the files it \
         has not finished"
    ))
}

/// A file name as a case-insensitive file system compares it: lower case, without the trailing
/// dots and spaces Windows drops.
fn folded(name: &str) -> String {
    name.trim_end_matches(['.', ' ']).to_lowercase()
}

/// The key a destination is known by: its folder as given and its file name folded where the
/// platform's usual file systems ignore case (macOS, Windows); as given elsewhere.
fn key(destination: &Path) -> PathBuf {
    if cfg!(any(target_os = "macos", windows))
        && let Some(name) = destination.file_name()
    {
        return destination.with_file_name(folded(&name.to_string_lossy()));
    }
    destination.to_path_buf()
}

/// Whether a download in `state` may still write its destination (a paused or failed one may
/// be resumed); a finished or cancelled one gives it up to a new download once its attempt has
/// ended (the caller asks about running workers).
pub fn may_write(state: &DownloadState) -> bool {
    !matches!(state, DownloadState::Finished | DownloadState::Cancelled)
}

/// Each destination with the id of the download it belongs to.
#[derive(Debug, Default)]
pub struct Destinations(HashMap<PathBuf, String>);

impl Destinations {
    /// The destinations of `downloads` (restored from disk): the first that may still write
    /// one holds it.
    pub fn of<'a>(downloads: impl IntoIterator<Item = &'a Download> + Clone) -> Self {
        let mut all = Self::default();
        let live = downloads
            .clone()
            .into_iter()
            .filter(|d| may_write(&d.state));
        let ended = downloads.into_iter().filter(|d| !may_write(&d.state));
        for download in live.chain(ended) {
            all.0
                .entry(key(&download.request.destination))
                .or_insert_with(|| download.request.id.clone());
        }
        all
    }

    /// The download, other than `id`, that may still write `destination`: `writes` tells
    /// whether a download (by id) may.
    pub fn taken_by(
        &self,
        destination: &Path,
        id: &str,
        writes: impl Fn(&str) -> bool,
    ) -> Option<&str> {
        let other = self.0.get(&key(destination))?;
        (other != id && writes(other)).then_some(other.as_str())
    }

    /// `destination` is download `id`'s now; `before`, its previous one, is given up.
    pub fn claim(&mut self, id: &str, destination: &Path, before: Option<&Path>) {
        if let Some(before) = before
            && key(before) != key(destination)
        {
            self.release(id, before);
        }
        self.0.insert(key(destination), id.to_string());
    }

    /// Download `id` is forgotten: its destination is free.
    pub fn release(&mut self, id: &str, destination: &Path) {
        let key = key(destination);
        if self.0.get(&key).is_some_and(|holder| holder == id) {
            self.0.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::DownloadRequest;

    fn download(id: &str, destination: &str, state: DownloadState) -> Download {
        let url = url::Url::parse("http://h/f").unwrap();
        let mut download = Download::new(DownloadRequest::new(id, url, destination), 1);
        download.state = state;
        download
    }

    #[test]
    fn working_names_are_refused_as_destinations() {
        for name in [
            "/d/x.partial",
            "/d/x.partial.segments",
            "/d/x.segments",
            "/d/x.PARTIAL",
            "/d/x.partial.",
            "/d/x.Segments ",
        ] {
            assert!(reserved(Path::new(name)).is_some(), "{name}");
        }
        for name in ["/d/x", "/d/x.partial.zip", "/d/partial", "/d/x.segment"] {
            assert_eq!(reserved(Path::new(name)), None, "{name}");
        }
        let message = reserved(Path::new("/d/download-x.partial")).unwrap();
        assert!(
            message.contains("`download-x.partial` ends in `.partial`"),
            "{message}"
        );
    }

    #[test]
    fn a_destination_is_taken_while_its_download_may_still_write_it() {
        let all = [
            download(
                "a",
                "/d/f",
                DownloadState::Paused {
                    reason: crate::engine::PauseReason::Requested,
                },
            ),
            download("done", "/d/g", DownloadState::Finished),
        ];
        let mut destinations = Destinations::of(&all);
        let writes = |id: &str| {
            all.iter()
                .any(|d| d.request.id == id && may_write(&d.state))
        };
        assert_eq!(
            destinations.taken_by(Path::new("/d/f"), "b", writes),
            Some("a")
        );
        assert_eq!(
            destinations.taken_by(Path::new("/d/f"), "a", writes),
            None,
            "its own"
        );
        assert_eq!(
            destinations.taken_by(Path::new("/d/g"), "b", writes),
            None,
            "finished"
        );
        // A new download takes the finished one's place; the old one's release leaves it.
        destinations.claim("b", Path::new("/d/g"), None);
        destinations.release("done", Path::new("/d/g"));
        assert_eq!(
            destinations.0.get(Path::new("/d/g")).map(String::as_str),
            Some("b")
        );
        // A changed destination gives up the old one.
        destinations.claim("a", Path::new("/d/h"), Some(Path::new("/d/f")));
        assert!(!destinations.0.contains_key(Path::new("/d/f")));
    }
}
