//! What each fuzz target does with its arbitrary bytes: hand them to one of bgassets' parsers
//! of outside input, and check the answer. A function here returns when the parser answered
//! `Ok` or `Err` as it should; it panics, which the fuzzer reports as a crash, when the parser
//! panicked, or its answer breaks a property the code promises (an error names its input, what
//! bgassets writes it reads back the same, a range lies inside the file, nothing is written
//! outside the folder an install was given).
//!
//! The fuzz targets (`fuzz/fuzz_targets/`) call these functions, and `tests/integration/fuzz_corpus.rs`
//! replays every committed corpus file through the very same functions on the stable toolchain,
//! so a finding, once its input is committed, stays a test.

use std::fs;
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use bgassets::install::{self, InstallRequest, entries, reader};
use bgassets::ipc::protocol::{RequestLine, ServerMessage};
use bgassets::model::{App, InputError, PackManifest, ServerManifest, jsonc, rel_path};
use bgassets::server::range::{self, RangeRequest};

/// The name the fuzz input goes by in errors, which must name it.
pub const INPUT: &str = "fuzz-input";

/// The most an archive's files may take when the `archive` target installs it.
pub const INSTALL_LIMIT: u64 = 1 << 20;

/// What a parser made of an input that passed its check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Parsed (an app, a manifest, a request, a partial range), or installed.
    Accepted,
    /// Refused with an error (or, for a range, answered with the whole file or `416`).
    Refused,
}

/// One check: arbitrary bytes in, the parser's answer out (a panic when a property breaks).
pub type Check = fn(&[u8]) -> Outcome;

/// The fuzz targets, by name, as `scripts/fuzz` and the corpus folders name them.
pub const TARGETS: [(&str, Check); 6] = [
    ("info_plist", info_plist),
    ("server_manifest", server_manifest),
    ("pack_manifest", pack_manifest),
    ("archive", archive),
    ("socket_line", socket_line),
    ("range", range),
];

/// `App::parse` on an Info.plist (XML or binary). An app it accepts survives the round trip
/// through JSON that the manager's state file makes.
pub fn info_plist(data: &[u8]) -> Outcome {
    match App::parse(INPUT, data) {
        Ok(app) => {
            let json = serde_json::to_string(&app).expect("an App serializes");
            let back: App = serde_json::from_str(&json).expect("an App reads back");
            assert_eq!(back, app, "the App changed through its JSON: {json}");
            Outcome::Accepted
        }
        Err(error) => names_input(&error),
    }
}

/// `ServerManifest::parse` on a manifest body. A manifest it accepts validates, and the JSON
/// bgassets writes for it (`bgassets pack index`) parses back to the same manifest.
pub fn server_manifest(data: &[u8]) -> Outcome {
    let text = String::from_utf8_lossy(data);
    jsonc_keeps_positions(&text);
    match ServerManifest::parse(INPUT, &text) {
        Ok(manifest) => {
            manifest
                .validate(INPUT)
                .expect("a parsed manifest validates");
            let json = manifest.to_json();
            let back = ServerManifest::parse(INPUT, &json).expect("bgassets reads its own JSON");
            assert_eq!(back, manifest, "the manifest changed through {json}");
            Outcome::Accepted
        }
        Err(error) => names_input(&error),
    }
}

/// `PackManifest::parse` on a pack manifest (JSON with comments). A manifest it accepts writes
/// JSON (the one embedded in a pack archive) that parses back to the same manifest.
pub fn pack_manifest(data: &[u8]) -> Outcome {
    let text = String::from_utf8_lossy(data);
    jsonc_keeps_positions(&text);
    match PackManifest::parse(INPUT, &text) {
        Ok(manifest) => {
            let json = manifest.to_json();
            let back = PackManifest::parse(INPUT, &json).expect("bgassets reads its own JSON");
            assert_eq!(back, manifest, "the manifest changed through {json}");
            Outcome::Accepted
        }
        Err(error) => names_input(&error),
    }
}

/// The bytes as a pack archive: opened by the installer's reader, every entry checked by
/// `install::entries::check`, and, when the checks pass, installed for real into a container
/// in a temporary folder (files up to [`INSTALL_LIMIT`]). Every name the plan keeps is a safe
/// relative path outside the pack's manifest folder, a refusal names the archive, and nothing
/// is written beside the container: a canary folder there stays as it was, and no other name
/// appears.
pub fn archive(data: &[u8]) -> Outcome {
    let scratch = scratch_dir();
    let archive = scratch.path().join("pack.zip");
    fs::write(&archive, data).expect("write the archive");
    let canary = scratch.path().join("canary");
    fs::create_dir(&canary).expect("create the canary folder");
    fs::write(canary.join("keep.txt"), b"canary").expect("write the canary");

    let plan = reader::open(&archive).and_then(|zip| entries::check(&archive, &zip, u64::MAX));
    match plan {
        Ok(plan) => {
            for entry in &plan.entries {
                assert_eq!(rel_path::check(&entry.name), Ok(entry.name.as_str()));
                let in_manifest = entry.name.strip_prefix(entries::MANIFEST_FOLDER);
                let manifest_folder =
                    in_manifest.is_some_and(|r| r.is_empty() || r.starts_with('/'));
                assert!(
                    !manifest_folder,
                    "the plan keeps the pack manifest's `{}`",
                    entry.name
                );
            }
        }
        Err(error) => {
            let message = error.to_string();
            assert!(message.contains(&*archive.to_string_lossy()), "{message}");
            return Outcome::Refused;
        }
    }
    let container = scratch.path().join("container");
    let request = InstallRequest {
        archive: &archive,
        container: &container,
        folder: "Pack",
        max_install_size: INSTALL_LIMIT,
    };
    let installed = install::install(&request);
    let mut names: Vec<String> = fs::read_dir(scratch.path())
        .expect("list the scratch folder")
        .map(|entry| {
            entry
                .expect("a scratch entry")
                .file_name()
                .to_string_lossy()
                .into()
        })
        .collect();
    names.sort();
    names.retain(|name| name != "container");
    assert_eq!(
        names,
        ["canary", "pack.zip"],
        "the install wrote beside its container"
    );
    let kept: Vec<_> = fs::read_dir(&canary).expect("list the canary").collect();
    assert_eq!(kept.len(), 1, "the install changed the canary folder");
    assert_eq!(
        fs::read(canary.join("keep.txt")).ok().as_deref(),
        Some(&b"canary"[..])
    );
    match installed {
        Ok(_) => Outcome::Accepted,
        Err(_) => Outcome::Refused,
    }
}

/// One socket line, as the manager reads it from a client (`RequestLine::parse`) and as a client
/// reads it from the manager (`ServerMessage::parse`). What the server accepts, written back as
/// a client writes it, reads as the same request; a refusal makes a reply a client can read.
pub fn socket_line(data: &[u8]) -> Outcome {
    let outcome = match RequestLine::parse(data) {
        Ok(None) => {
            let text = std::str::from_utf8(data).expect("a blank line is UTF-8");
            assert!(text.trim().is_empty(), "{text:?} is not blank");
            Outcome::Refused
        }
        Ok(Some(request)) => {
            let line = request.to_line();
            let back = RequestLine::parse(line.as_bytes());
            assert_eq!(
                back,
                Ok(Some(request)),
                "the request changed through {line}"
            );
            Outcome::Accepted
        }
        Err(rejection) => {
            let reply = ServerMessage::Response(rejection.into_response()).to_line();
            let read = ServerMessage::parse(&reply);
            assert!(
                read.is_ok(),
                "a client cannot read the refusal {reply}: {read:?}"
            );
            Outcome::Refused
        }
    };
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(message) = ServerMessage::parse(text)
    {
        let line = message.to_line();
        let read = ServerMessage::parse(&line);
        assert!(read.is_ok(), "a client cannot read {line}: {read:?}");
    }
    outcome
}

/// The mock server's request-header parsing: the first 8 bytes are the file's length, the rest
/// is the header. A partial range lies inside the file; the validators never panic.
pub fn range(data: &[u8]) -> Outcome {
    let (len, header) = match data.split_first_chunk::<8>() {
        Some((len, rest)) => (u64::from_le_bytes(*len), rest),
        None => (data.len() as u64, data),
    };
    let header = String::from_utf8_lossy(header);
    let outcome = match range::parse_range(&header, len) {
        RangeRequest::Partial { start, end } => {
            assert!(start <= end && end < len, "{start}-{end} for {len} bytes");
            let value = RangeRequest::content_range(start, end, len);
            assert_eq!(value, format!("bytes {start}-{end}/{len}"));
            Outcome::Accepted
        }
        RangeRequest::Full | RangeRequest::Unsatisfiable => Outcome::Refused,
    };
    let modified = UNIX_EPOCH + Duration::from_secs(len % (1 << 40));
    range::if_range_matches(&header, "\"etag\"", modified);
    range::if_none_match_matches(&header, "\"etag\"");
    range::not_modified_since(&header, modified);
    outcome
}

/// Errors name the input they are about.
fn names_input(error: &InputError) -> Outcome {
    assert_eq!(error.input(), INPUT, "{error}");
    assert!(error.to_string().starts_with(INPUT), "{error}");
    Outcome::Refused
}

/// `jsonc::strip` only blanks bytes out with spaces and keeps every newline, so positions in
/// serde's errors still point into the original text.
fn jsonc_keeps_positions(text: &str) {
    let stripped = jsonc::strip(text);
    assert_eq!(stripped.len(), text.len());
    for (ours, theirs) in stripped.bytes().zip(text.bytes()) {
        assert!(ours == theirs || (ours == b' ' && theirs != b'\n'));
    }
}

/// A temporary folder, in memory where the system has `/dev/shm` (installs sync their files).
fn scratch_dir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm)
    } else {
        tempfile::tempdir()
    };
    dir.expect("create a temporary folder")
}
