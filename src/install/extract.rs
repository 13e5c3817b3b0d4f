//! Writing a checked archive's files into a staging folder, and making them durable.
//!
//! Folders are created first (0755), then two threads take files, largest first, from one queue,
//! each through its own clone of the archive, inflating into a 1 MiB buffer and writing it whole
//! (files 0644; the archive's modes are ignored). The bytes actually produced are counted: an
//! entry that inflates past its declared size, or a total past the limit, is a size bomb and
//! stops the install; one that falls short, or whose CRC-32 does not match, is damaged.
//!
//! Durability: each thread syncs its files as it goes, but lags behind by a few files. On Linux
//! it asks the kernel to start writing a file back as soon as it is closed
//! (`sync_file_range`), so by the time `fdatasync` is called the data is usually on disk and
//! the call returns at once; elsewhere the lag alone lets writing overlap the sync. Folders
//! are synced last. Memory stays bounded: a buffer per thread and a few open files.

use std::collections::{BTreeSet, VecDeque};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use super::InstallError;
use super::entries::{Plan, Planned};
use super::reader::Archive;

/// The size of each thread's write buffer.
const BUFFER: usize = 1 << 20;
/// Extraction threads (the target machines have 2 cores; one more would only contend).
const THREADS: usize = 2;
/// Files a thread keeps open, written but not yet synced.
const SYNC_LAG: usize = 16;

/// What was extracted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extracted {
    /// Files written.
    pub files: usize,
    /// Bytes written, in all.
    pub bytes: u64,
}

/// State shared by the extraction threads.
struct Shared<'a> {
    archive: &'a Path,
    staging: &'a Path,
    files: Vec<&'a Planned>,
    next: AtomicUsize,
    total: AtomicU64,
    limit: u64,
    stop: AtomicBool,
    /// Set by whoever started the install to stop it between entries.
    cancel: &'a AtomicBool,
    first_error: Mutex<Option<InstallError>>,
}

/// Extracts `plan` from `zip` (opened from `archive`) into the empty folder `staging`; stops
/// with [`InstallError::Cancelled`] between entries once `cancel` is set.
pub fn extract(
    archive: &Path,
    zip: &Archive,
    plan: &Plan,
    staging: &Path,
    cancel: &AtomicBool,
) -> Result<Extracted, InstallError> {
    let folders = create_folders(plan, staging)?;
    let mut files: Vec<&Planned> = plan.entries.iter().filter(|e| !e.is_dir).collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.size));
    let shared = Shared {
        archive,
        staging,
        next: AtomicUsize::new(0),
        total: AtomicU64::new(0),
        limit: plan.limit,
        stop: AtomicBool::new(false),
        cancel,
        first_error: Mutex::new(None),
        files,
    };
    let threads = THREADS.min(shared.files.len());
    std::thread::scope(|scope| {
        for _ in 1..threads {
            let (zip, shared) = (zip.clone(), &shared);
            scope.spawn(move || run_worker(zip, shared));
        }
        if threads > 0 {
            run_worker(zip.clone(), &shared);
        }
    });
    if let Some(error) = shared.first_error.lock().map_or(None, |mut e| e.take()) {
        return Err(error);
    }
    for folder in folders.iter().rev() {
        sync_folder(&staging.join(folder))?;
    }
    sync_folder(staging)?;
    Ok(Extracted {
        files: shared.files.len(),
        bytes: shared.total.load(Ordering::Relaxed),
    })
}

/// Creates every folder the plan names or needs, parents first; returns them in that order.
fn create_folders(plan: &Plan, staging: &Path) -> Result<BTreeSet<String>, InstallError> {
    let mut folders = BTreeSet::new();
    for entry in &plan.entries {
        if entry.is_dir {
            folders.insert(entry.name.clone());
        }
        for (at, _) in entry.name.match_indices('/') {
            folders.insert(entry.name[..at].to_string());
        }
    }
    // A parent sorts before its children ("a" < "a/b"), so each folder's parent exists.
    #[cfg(unix)]
    let builder = {
        let mut builder = fs::DirBuilder::new();
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o755);
        builder
    };
    #[cfg(not(unix))]
    let builder = fs::DirBuilder::new();
    for folder in &folders {
        let path = staging.join(folder);
        builder
            .create(&path)
            .map_err(InstallError::io("create the folder", &path))?;
    }
    Ok(folders)
}

/// One extraction thread: takes files from the queue until it is empty or another thread failed.
fn run_worker(mut zip: Archive, shared: &Shared) {
    let mut buffer = vec![0u8; BUFFER];
    let mut unsynced = VecDeque::with_capacity(SYNC_LAG + 1);
    let result = (|| {
        while !shared.stop.load(Ordering::Relaxed) {
            if shared.cancel.load(Ordering::Relaxed) {
                return Err(InstallError::Cancelled {
                    archive: shared.archive.to_path_buf(),
                });
            }
            let Some(entry) = shared
                .files
                .get(shared.next.fetch_add(1, Ordering::Relaxed))
            else {
                break;
            };
            let (file, path) = extract_file(&mut zip, entry, shared, &mut buffer)?;
            start_writeback(&file);
            unsynced.push_back((file, path));
            if unsynced.len() > SYNC_LAG {
                sync_file(unsynced.pop_front())?;
            }
        }
        while !shared.stop.load(Ordering::Relaxed) && !unsynced.is_empty() {
            sync_file(unsynced.pop_front())?;
        }
        Ok(())
    })();
    if let Err(error) = result {
        shared.stop.store(true, Ordering::Relaxed);
        if let Ok(mut first) = shared.first_error.lock() {
            first.get_or_insert(error);
        }
    }
}

/// Writes one file; returns it open (not yet synced).
fn extract_file(
    zip: &mut Archive,
    entry: &Planned,
    shared: &Shared,
    buffer: &mut [u8],
) -> Result<(File, std::path::PathBuf), InstallError> {
    let refuse = |problem: String| InstallError::Entry {
        archive: shared.archive.to_path_buf(),
        entry: entry.name.clone(),
        problem,
    };
    let path = shared.staging.join(&entry.name);
    let mut output = create_file(&path)?;
    // The local header was checked against the central directory; it is read again here,
    // from the same open file, so it is checked again.
    let options = zip::ZipReadOptions::new().enforce_header_consistency(true);
    let mut input = zip
        .by_index_with_options(entry.index, options)
        .map_err(|e| refuse(format!("cannot be read: {e}")))?;
    let mut written = 0u64;
    loop {
        let filled = fill(&mut input, buffer).map_err(|e| refuse(read_problem(&e)))?;
        if filled == 0 {
            break;
        }
        written += filled as u64;
        if written > entry.size {
            return Err(refuse(format!(
                "inflates past the {} bytes it declares (a size bomb)",
                entry.size
            )));
        }
        let total = shared.total.fetch_add(filled as u64, Ordering::Relaxed) + filled as u64;
        if total > shared.limit {
            return Err(InstallError::TooLarge {
                archive: shared.archive.to_path_buf(),
                entry: Some(entry.name.clone()),
                needed: total,
                limit: shared.limit,
            });
        }
        output
            .write_all(&buffer[..filled])
            .map_err(InstallError::io("write", &path))?;
    }
    if written != entry.size {
        return Err(refuse(format!(
            "holds {written} bytes but declares {} (the archive is damaged)",
            entry.size
        )));
    }
    Ok((output, path))
}

/// Reads until `buffer` is full or the entry ends (the last read, returning 0, checks the CRC).
fn fill(input: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(count) => filled += count,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn read_problem(error: &io::Error) -> String {
    let text = error.to_string();
    if text.contains("checksum") {
        "does not match its CRC-32 (the archive is damaged)".into()
    } else if text.contains("larger than its declared") {
        "inflates past the size it declares (a size bomb)".into()
    } else {
        format!("cannot be inflated ({text})")
    }
}

fn create_file(path: &Path) -> Result<File, InstallError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o644);
    options
        .open(path)
        .map_err(InstallError::io("create the file", path))
}

/// Asks the kernel to start writing `file` to disk now, without waiting (Linux only).
fn start_writeback(file: &File) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: a plain system call on a descriptor `file` keeps open; it reads no memory.
        unsafe {
            libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = file;
}

fn sync_file(file: Option<(File, std::path::PathBuf)>) -> Result<(), InstallError> {
    match file {
        Some((file, path)) => file.sync_data().map_err(InstallError::io("sync", &path)),
        None => Ok(()),
    }
}

/// Makes the entries of the folder at `path` durable (Unix; Windows has no folder sync).
fn sync_folder(path: &Path) -> Result<(), InstallError> {
    #[cfg(unix)]
    File::open(path)
        .and_then(|folder| folder.sync_all())
        .map_err(InstallError::io("sync the folder", path))?;
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
