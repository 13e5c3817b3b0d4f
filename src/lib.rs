//! bgassets: an open, cross-platform implementation of Apple's Background Assets for desktop apps.
//!
//! Apps declare downloadable content as asset packs in a manifest; bgassets downloads, verifies,
//! installs, updates and removes them according to each pack's download policy.
//!
//! # Layout
//!
//! - [`model`]: pure data and parsing: Info.plist apps, pack manifests, the server manifest,
//!   download policies, statuses and their Apple flags, error kinds, sizes. No I/O beyond the
//!   bytes handed to it.
//! - [`pack`]: the packager behind `bgassets pack`: manifest templates, reproducible pack
//!   archives, and the server manifest index built from them.
//! - [`publish`]: `pack publish` and `pack prune`: a site uploaded to an S3-compatible store
//!   under content-addressed archive names, the manifest last; archives no recent publish
//!   names retired.
//! - [`server`]: the mock server behind `bgassets serve`: files with Range/ETag semantics,
//!   optional TLS, an optional token (bearer or signed URLs), and fault injection changeable
//!   while running.
//! - [`engine`]: the download engine: one actor owning every download's state, a bounded
//!   worker pool with Range resume, streaming SHA-256, retries, bandwidth limit and a saved queue.
//! - [`install`]: safe extraction of a verified pack into an app's container, swapped in
//!   atomically (a symlink to a version folder).
//! - [`patch`]: delta updates: a new version built from the installed version's unchanged
//!   files and the changed entries of the new archive, fetched by `Range` and verified against
//!   the per-file list `pack index` publishes.
//! - [`manager`]: the managed layer (`AssetPackManager`): apps, manifests, policies, installs,
//!   updates, removal; one actor owning apps and packs on top of the engine.
//! - [`ipc`]: the local socket: newline-delimited JSON (`docs/protocol.md`), the server over a
//!   `Service`, the client-side connection.
//! - [`extension`]: an app's downloader extension: the JSON messages, the process runner
//!   (`BGAssetsDownloaderExtension`) and connection extensions (`registerExtension`).
//! - [`client`]: the app-facing Rust API shaped like Apple's `AssetPackManager`.
//! - [`gui`]: the desktop window (egui): apps, packs with progress rings, inspector, event log;
//!   it renders the manager's status document and sends requests, never doing I/O itself.
//! - [`tray`]: the tray item (StatusNotifierItem) of the resident manager: aggregate progress
//!   in its icon, a tooltip and a menu, fed by the window's backend.
//! - [`bucket`]: the token-bucket arithmetic shared by the engine's bandwidth limit and the
//!   mock server's rate fault.
//! - [`store`]: durable files: atomic replacement.
//! - [`demo`]: the demo room: the demo app and its packs, generated deterministically from
//!   `assets/demo/`, served by the mock server, with a manager on it (`--demo`).
//! - [`desktop`]: bgassets' place on the desktop: start at login (XDG autostart, LaunchAgent,
//!   `Run` key) and the menu entry with its icons (`install-desktop`), only ever its own files.
//! - [`notify`]: desktop notifications over `org.freedesktop.Notifications`: what to say
//!   (a pure, per-app, rate-limited policy) and a notifier fed by the window's backend.
//! - [`cli`]: one file per subcommand: parse arguments, call the library, print.

pub mod bucket;
pub mod cli;
pub mod client;
pub mod demo;
pub mod desktop;
pub mod engine;
pub mod extension;
pub mod gui;
pub mod install;
pub mod ipc;
pub mod manager;
pub mod model;
pub mod notify;
pub mod pack;
pub mod patch;
pub mod publish;
pub mod server;
pub mod store;
pub mod tray;
