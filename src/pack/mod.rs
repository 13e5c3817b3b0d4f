//! The packager behind `bgassets pack`: collects a pack manifest's file selectors into a
//! byte-for-byte reproducible zip archive ([`build`]), and writes the server manifest from built
//! archives ([`index`]).
//!
//! - [`collect`]: selectors → the sorted list of files, refusing escapes and outside symlinks.
//! - [`build`]: the reproducible archive, with the pack manifest embedded.
//! - [`archive`]: reading a built archive back: its embedded manifest and install size.
//! - [`index`]: the server manifest from archives.
//! - [`hash`]: streaming SHA-256 of files.

pub mod archive;
pub mod build;
pub mod collect;
pub mod hash;
pub mod index;

use std::path::PathBuf;

use crate::model::InputError;

/// Why packaging failed. Each variant names the file and what was being done.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("selector `{selector}`: {problem}")]
    Selector { selector: String, problem: String },
    #[error("{path}: not a valid pack archive: {problem}")]
    Archive { path: PathBuf, problem: String },
    #[error("cannot write the archive {path}")]
    Zip {
        path: PathBuf,
        #[source]
        source: zip::result::ZipError,
    },
    #[error("{0}")]
    Index(String),
    /// bgassets will not touch what is at `path`: it did not make it, or it lies outside.
    #[error("{path}: {problem}")]
    Refused { path: PathBuf, problem: String },
}

impl BuildError {
    pub(crate) fn read(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Read { path, source }
    }

    pub(crate) fn write(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Write { path, source }
    }
}
