//! Publishing a site made by `pack index` to an S3-compatible store (`bgassets pack publish`),
//! and retiring archives no recent publish names (`bgassets pack prune`).
//!
//! Archives go under content-addressed, immutable names (`packs/<sha256>.zip`, cached for a
//! year), so an unchanged archive is never uploaded twice and a rerun after an interruption
//! skips what is already complete. The manifest, which names them relative to itself, is
//! written last with a short cache lifetime: a client never reads a manifest naming an archive
//! that is not there yet. A record of each publish (written before its uploads) lets prune keep
//! what recent ones named, and keeps publish from overwriting what it did not write.
//!
//! - [`names`]: the destination (`s3://BUCKET/PREFIX`) and every name written under it.
//! - [`site`]: reading and checking the local site; the manifest as published.
//! - [`mirrors`]: `--mirror-base`: each archive's name under other bases, as the pack's mirrors.
//! - [`plan`]: the publish plan, a pure decision (upload, keep, retire).
//! - [`prune`]: the prune plan, a pure decision.
//! - [`record`]: the publish record format.
//! - `records`: reading records back: one by number, and whether one names the manifest.
//! - [`credentials`]: credentials and region from `AWS_*` variables or a profile.
//! - [`remote`]: the store, through `object_store`: list, read, upload, delete, with errors
//!   naming bucket, key and endpoint.
//! - [`upload`]: one object's upload: a single PUT or a multipart upload, verified against its
//!   SHA-256 before it completes, optionally rate-limited.
//! - `report`: the plan as told before a publish acts.
//! - [`run`]: a publish and a prune, end to end, reporting as they go.

pub mod credentials;
pub mod mirrors;
pub mod names;
pub mod plan;
pub mod prune;
pub mod record;
mod records;
pub mod remote;
mod report;
pub mod run;
pub mod site;
pub mod upload;

use std::fmt;
use std::path::PathBuf;

pub use names::Destination;
pub use run::{PruneOptions, PublishOptions, Reporter, prune, publish};

/// Which request failed, where: every store error names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// What was being done (`list`, `upload`, `read`, `delete`).
    pub action: &'static str,
    /// The bucket.
    pub bucket: String,
    /// The object key, or the prefix for a listing.
    pub key: String,
    /// The endpoint (`https://s3.us-east-1.amazonaws.com` when none was given).
    pub endpoint: String,
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} s3://{}/{} at {}",
            self.action, self.bucket, self.key, self.endpoint
        )
    }
}

/// Why a publish or prune failed.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The destination or an option is not usable as given.
    #[error("{0}")]
    Usage(String),
    /// The local site is not a publishable site.
    #[error("site {path}: {problem}")]
    Site {
        /// The file or folder at fault.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// No credentials were found.
    #[error("no credentials for bucket `{bucket}`: {problem}")]
    NoCredentials {
        /// The bucket.
        bucket: String,
        /// Where bgassets looked.
        problem: String,
    },
    /// The store refused the credentials (or their rights).
    #[error("credentials refused by the store for bucket `{}` ({request}): {detail}", request.bucket)]
    CredentialsRefused {
        /// The request.
        request: Request,
        /// The store's answer.
        detail: String,
    },
    /// The bucket does not exist.
    #[error("bucket `{}` does not exist ({request})", request.bucket)]
    BucketMissing {
        /// The request.
        request: Request,
    },
    /// The endpoint could not be reached.
    #[error("endpoint {} unreachable ({request}): {detail}", request.endpoint)]
    Unreachable {
        /// The request.
        request: Request,
        /// The connection error.
        detail: String,
    },
    /// Any other store failure.
    #[error("cannot {request}: {detail}")]
    Store {
        /// The request.
        request: Request,
        /// The store's answer.
        detail: String,
    },
    /// What the store holds is not what bgassets wrote there (a record, a manifest).
    #[error("s3://{bucket}/{key}: {problem}")]
    Remote {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
        /// What is wrong.
        problem: String,
    },
    /// The publish would overwrite objects no publish record names.
    #[error(
        "refused: {} in bucket `{bucket}` exist and were not written by bgassets (no publish record names them); publish to another prefix, or move them away",
        keys.join(", ")
    )]
    Refused {
        /// The bucket.
        bucket: String,
        /// The keys.
        keys: Vec<String>,
    },
    /// A local archive does not have the SHA-256 the manifest gives it: nothing was completed.
    #[error(
        "{path}: its SHA-256 is {actual}, but the manifest says {expected}; the upload was abandoned (run `bgassets pack index` again)"
    )]
    Digest {
        /// The archive.
        path: PathBuf,
        /// The manifest's digest.
        expected: String,
        /// The file's digest.
        actual: String,
    },
    /// A local file could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}
