//! The packager behind `bgassets pack`: collects a pack manifest's file selectors into a
//! byte-for-byte reproducible zip archive ([`build`]), and writes the server manifest from built
//! archives ([`index`]).
//!
//! - [`collect`]: selectors → the sorted list of files, refusing escapes and outside symlinks.
//! - [`build`]: the reproducible archive, with the pack manifest embedded.
//! - [`archive`]: reading a built archive back: its embedded manifest and install size.
//! - [`index`]: the server manifest from archives.
//! - [`files`]: the per-file list written beside each archive, for delta updates.
//! - [`hash`]: streaming SHA-256 of files.

pub mod archive;
pub mod build;
pub mod collect;
pub mod files;
pub mod hash;
pub mod index;

use std::path::PathBuf;

use crate::model::InputError;

/// Why packaging failed. Each variant names the file and what was being done.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A file could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {path}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The pack manifest (or another input) is malformed.
    #[error(transparent)]
    Input(#[from] InputError),
    /// A file selector names nothing usable, or something outside the root.
    #[error("selector `{selector}`: {problem}")]
    Selector {
        /// The selector as the manifest gives it.
        selector: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A file given as a pack archive is not one.
    #[error("{path}: not a valid pack archive: {problem}")]
    Archive {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// The zip writer failed.
    #[error("cannot write the archive {path}")]
    Zip {
        /// The archive being written.
        path: PathBuf,
        /// The zip writer's error.
        #[source]
        source: zip::result::ZipError,
    },
    /// What was asked cannot be done as given (no archives, duplicate ids, a version of 0…).
    #[error("{0}")]
    Index(String),
    /// bgassets will not touch what is at `path`: it did not make it, or it lies outside.
    #[error("{path}: {problem}")]
    Refused {
        /// What is there.
        path: PathBuf,
        /// Why it is refused.
        problem: String,
    },
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
