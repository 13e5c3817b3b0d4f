//! The reference a server manifest gives to a pack's per-file list (`files`): where the list
//! is, its exact size and its SHA-256, so the list is verified before a byte of it is trusted.
//! The list itself (paths, sizes, digests) is parsed by [`crate::patch::list`].

use serde::{Deserialize, Serialize};

use super::Sha256Digest;

/// The largest per-file list a manager reads (32 MiB: 100,000 files with long names).
pub const MAX_FILE_LIST_BYTES: u64 = 32 << 20;

/// Where a pack's per-file list is, and what its bytes must be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileListRef {
    /// The list's URL: absolute `http(s)://`, or relative to the manifest's own URL.
    pub url: String,
    /// The list's exact size in bytes, at most [`MAX_FILE_LIST_BYTES`].
    pub size: u64,
    /// The list's SHA-256.
    pub sha256: Sha256Digest,
}

impl FileListRef {
    /// Checks the size; the URL is checked with the pack's own URL rules by the manifest.
    pub fn check_size(&self) -> Result<(), String> {
        if self.size == 0 {
            return Err("is 0; a file list has at least its header".into());
        }
        if self.size > MAX_FILE_LIST_BYTES {
            return Err(format!(
                "is {} bytes, more than the {MAX_FILE_LIST_BYTES} bytes a file list may take",
                self.size
            ));
        }
        Ok(())
    }
}
