//! Pure data and parsing: everything bgassets knows about apps, packs and their states, with no
//! I/O beyond the bytes handed in.
//!
//! - [`app`]: an app as its `Info.plist` declares it (bundle keys and every Background Assets key).
//! - [`app_download`]: an app's own download (`BAURLDownload`): identifier, URL, headers, bounds.
//! - [`content_kind`]: why an extension is asked for content (install, update, periodic).
//! - [`plist_bounds`]: the caps on a property list: bytes read, nesting, expanded values.
//! - [`pack_manifest`]: Apple's pack manifest, the packager's input (`assetPackID`, policy, selectors).
//! - [`server_manifest`]: the manifest a client fetches: every pack with version, URL, sizes, SHA-256.
//! - [`kind`]: the kind of content a pack holds (audio, levels…), which picks its icon.
//! - [`digest`]: SHA-256 digests in hex.
//! - [`file_list_ref`]: where a pack's per-file list is (for delta updates), its size and SHA-256.
//! - [`rel_path`]: relative paths inside a pack, and the rules that keep them inside it.
//! - [`policy`]: download policies and installation event types.
//! - [`name`]: bundle and App Group ids validated as one safe path component.
//! - [`pack_id`]: what a pack id may contain, and the safe folder name derived from it.
//! - [`status`]: a pack's state, Apple's status flags derived from it, and status-update events.
//! - [`error`]: the error kinds of Background Assets, as data carried in states and replies.
//! - [`input_error`]: the one parse error type: which input, which field, what was expected.
//! - [`jsonc`]: JSON with `//` and `/* */` comments and trailing commas, as `ba-package` writes it.
//! - [`size`]: byte sizes and durations as people type them.
//! - [`url_shown`]: URLs as people and logs see them, without credentials.

pub mod app;
pub mod app_download;
pub mod content_kind;
pub mod digest;
pub mod error;
pub mod file_list_ref;
pub mod input_error;
pub mod jsonc;
pub mod kind;
pub mod name;
pub mod pack_id;
pub mod pack_manifest;
pub mod plist_bounds;
pub mod policy;
pub mod rel_path;
pub mod server_manifest;
pub mod size;
pub mod status;
pub mod url_shown;

pub use app::{App, DomainPattern, DownloadRestrictions};
pub use app_download::{DownloadIdentifier, DownloadSpec, Header};
pub use content_kind::ContentKind;
pub use digest::Sha256Digest;
pub use error::{ErrorKind, ManagedError, PackError};
pub use file_list_ref::FileListRef;
pub use input_error::InputError;
pub use kind::PackKind;
pub use name::FolderName;
pub use pack_id::PackId;
pub use pack_manifest::PackManifest;
pub use policy::{DownloadPolicy, InstallationEvent, InstallationEvents};
pub use server_manifest::{ManifestPack, ServerManifest};
pub use status::{Activity, PackStatus, Progress, StatusFlags, StatusUpdate};
