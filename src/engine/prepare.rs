//! What an attempt learns from the file system before its request: the folder made, the
//! partial file of an earlier attempt (and a segmented download's record) looked at, and the
//! space free where it goes. All of it blocks, and a look-up of a name that is not there waits
//! for the folder's lock while another file of the folder is created or renamed into place
//! (measured with `perf trace` on 500 files of 256 KiB: these calls took 76 ms of the async
//! threads' time, more than reading the sockets, the slowest 3.5 ms). So they run together on
//! a blocking thread, and the async threads only stream.

use std::path::Path;

use super::http::Failure;
use super::job::Job;
use super::resume::{self, Resume};
use super::segments::{self, sidecar::Sidecar};
use super::sink::io_failure;
use crate::model::ErrorKind;

/// What the file system said before the request.
#[derive(Debug)]
pub(super) enum Prepared {
    /// A segmented download's record that fits the job: only its holes are fetched.
    Segmented(Sidecar),
    /// One request from `resume.from`; `free` is the space free in the partial file's folder
    /// (`None` when the system would not say).
    Single { resume: Resume, free: Option<u64> },
}

/// Makes the partial file's folder, drops what a restart must not reuse, and looks at what an
/// earlier attempt left. Blocking.
pub(super) fn prepare(job: &Job) -> Result<Prepared, Failure> {
    let partial = job.request.partial_path();
    // Looked at before it is made: a `mkdir` that finds the folder there still takes the lock
    // of the folder above, which every worker would then queue on, once per file.
    if let Some(dir) = partial.parent()
        && !dir.is_dir()
    {
        std::fs::create_dir_all(dir).map_err(|e| io_failure(dir, e))?;
    }
    if job.restart {
        segments::remove_partial(&partial);
    }
    if let Some(record) = segments::restore(job) {
        return Ok(Prepared::Segmented(record));
    }
    let resume = resume::offset(job);
    let free = partial
        .parent()
        .and_then(|dir| fs4::available_space(dir).ok());
    Ok(Prepared::Single { resume, free })
}

/// Refuses to start when the folder `partial` goes in had less than `needed` bytes `free`.
pub(super) fn check_space(
    partial: &Path,
    needed: Option<u64>,
    free: Option<u64>,
) -> Result<(), Failure> {
    let (Some(needed), Some(free)) = (needed, free) else {
        return Ok(());
    };
    if free >= needed {
        return Ok(());
    }
    let dir = partial.parent().unwrap_or(partial);
    Err(Failure::fatal(
        ErrorKind::DiskFull,
        format!("{}: {needed} bytes needed, {free} free", dir.display()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn space_is_refused_only_when_both_sizes_are_known_and_it_is_short() {
        let partial = Path::new("/data/packs/a.zip.partial");
        assert!(check_space(partial, Some(10), Some(10)).is_ok());
        assert!(check_space(partial, None, Some(0)).is_ok(), "size unknown");
        assert!(check_space(partial, Some(10), None).is_ok(), "free unknown");
        let short = check_space(partial, Some(11), Some(10)).unwrap_err();
        assert_eq!(short.error.kind, ErrorKind::DiskFull);
        assert_eq!(short.error.message, "/data/packs: 11 bytes needed, 10 free");
    }
}
