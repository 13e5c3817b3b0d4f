//! Writing a checked archive's files into a staging folder, on two threads: each opens its own
//! reader and takes half of the bytes. Sizes are counted as they inflate (a declared size that
//! lies is a size bomb and stops the install), CRCs are checked at the end of each entry, and
//! everything is synced to disk before the caller swaps it in.

use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::InstallError;
use super::entries::{Plan, Planned};

const BUFFER: usize = 1 << 20;
const THREADS: usize = 2;

/// Extracts `plan` from `archive` into `staging`; returns (files, bytes).
pub fn extract(archive: &Path, plan: &Plan, staging: &Path) -> Result<(usize, u64), InstallError> {
    for entry in plan.entries.iter().filter(|e| e.is_dir) {
        let dir = staging.join(&entry.name);
        fs::create_dir_all(&dir).map_err(InstallError::io("cannot create", &dir))?;
    }
    let shares = split(plan.entries.iter().filter(|e| !e.is_dir).collect());
    let total = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let results: Vec<Result<usize, InstallError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = shares
            .iter()
            .map(|share| {
                let (total, stop) = (&total, &stop);
                scope.spawn(move || {
                    let result = extract_share(archive, share, staging, plan.limit, total, stop);
                    if result.is_err() {
                        stop.store(true, Ordering::Relaxed);
                    }
                    result
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(InstallError::Archive {
                        archive: archive.to_path_buf(),
                        problem: "an extraction thread stopped".into(),
                    })
                })
            })
            .collect()
    });
    let mut files = 0;
    for result in results {
        files += result?;
    }
    sync_tree(staging, plan)?;
    Ok((files, total.load(Ordering::Relaxed)))
}

/// Splits files into shares of about equal bytes (largest first, each to the lightest share).
fn split(mut files: Vec<&Planned>) -> Vec<Vec<&Planned>> {
    files.sort_by_key(|f| std::cmp::Reverse(f.size));
    let mut shares: Vec<(u64, Vec<&Planned>)> = (0..THREADS).map(|_| (0, Vec::new())).collect();
    for file in files {
        if let Some(lightest) = shares.iter_mut().min_by_key(|(bytes, _)| *bytes) {
            lightest.0 += file.size;
            lightest.1.push(file);
        }
    }
    shares.into_iter().map(|(_, files)| files).collect()
}

fn extract_share(
    archive: &Path,
    share: &[&Planned],
    staging: &Path,
    limit: u64,
    total: &AtomicU64,
    stop: &AtomicBool,
) -> Result<usize, InstallError> {
    if share.is_empty() {
        return Ok(0);
    }
    let bad = |entry: &Planned, problem: String| InstallError::Entry {
        archive: archive.to_path_buf(),
        entry: entry.name.clone(),
        problem,
    };
    let file = File::open(archive).map_err(InstallError::io("cannot open", archive))?;
    let mut zip =
        zip::ZipArchive::new(BufReader::new(file)).map_err(|e| InstallError::Archive {
            archive: archive.to_path_buf(),
            problem: e.to_string(),
        })?;
    let mut buffer = vec![0u8; BUFFER];
    for entry in share {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let target = staging.join(&entry.name);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(InstallError::io("cannot create", parent))?;
        }
        let mut output = create_file(&target)?;
        let mut input = zip
            .by_index(entry.index)
            .map_err(|e| bad(entry, e.to_string()))?;
        let mut written = 0u64;
        loop {
            let read = input
                .read(&mut buffer)
                .map_err(|e| bad(entry, format!("cannot inflate: {e}")))?;
            if read == 0 {
                break;
            }
            written += read as u64;
            if written > entry.size {
                return Err(bad(
                    entry,
                    format!(
                        "inflates past its declared {} bytes (a size bomb)",
                        entry.size
                    ),
                ));
            }
            if total.fetch_add(read as u64, Ordering::Relaxed) + read as u64 > limit {
                return Err(InstallError::TooLarge {
                    archive: archive.to_path_buf(),
                    limit,
                });
            }
            output
                .write_all(&buffer[..read])
                .map_err(InstallError::io("cannot write", &target))?;
        }
        if written != entry.size {
            return Err(bad(
                entry,
                format!("holds {written} bytes, {} declared", entry.size),
            ));
        }
    }
    Ok(share.len())
}

fn create_file(path: &Path) -> Result<File, InstallError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o644);
    }
    options
        .open(path)
        .map_err(InstallError::io("cannot create", path))
}

/// Makes the staged files durable before the swap: one `syncfs` on Linux, one `fsync` per file
/// elsewhere.
fn sync_tree(staging: &Path, plan: &Plan) -> Result<(), InstallError> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let dir = File::open(staging).map_err(InstallError::io("cannot open", staging))?;
        // SAFETY: a plain syscall on a descriptor we own.
        if unsafe { libc::syncfs(dir.as_raw_fd()) } == 0 {
            return Ok(());
        }
    }
    for entry in plan.entries.iter().filter(|e| !e.is_dir) {
        let path = staging.join(&entry.name);
        File::open(&path)
            .and_then(|f| f.sync_all())
            .map_err(InstallError::io("cannot sync", &path))?;
    }
    Ok(())
}
