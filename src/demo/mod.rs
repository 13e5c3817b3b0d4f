//! The demo room: everything the embedded demo needs, in one place, so that nothing else (the
//! manager least of all) reaches into the mock server for it.
//!
//! - [`site`]: the demo app's Info.plist and its packs, generated deterministically from
//!   `assets/demo/` and built by the real packager into a folder `bgassets serve` can serve
//!   (`generator` makes the files' bytes).
//! - [`extension`]: the demo app's downloader extension (`examples/extensions/demo.rs`), put
//!   beside its Info.plist.
//! - [`room`]: the running demo: that site served by the real mock server (bandwidth-capped so
//!   progress is visible) and a manager in a scratch data dir with the demo app registered.
//!
//! `bgassets --demo` and `bgassets daemon --demo` start a [`Demo`]; `bgassets serve --demo`
//! serves the site alone ([`build_default_site`]).

pub mod extension;
mod generator;
pub mod room;
pub mod site;

pub use room::{DEMO_RATE, Demo, DemoError, build_default_site, start_demo};
pub use site::{
    DEFAULT_MANIFEST_URL, DemoSite, INFO_PLIST, build_site, default_dir, info_plist_for,
};
