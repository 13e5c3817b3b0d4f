//! Writing a whole small file from memory past the page cache where the system allows it
//! (Linux `O_DIRECT`). A held body ([`super::held`]) is complete before it is written and is
//! `fdatasync`ed at once after, so copying it into the page cache only to write it back from
//! there is work for nothing: its whole pages go from the engine's buffer to the disk, and only
//! the last partial page goes through the page cache. Measured on 500 files of 256 KiB
//! (docs/performance.md, "Direct writes"): about a fifth less time per run.
//!
//! The bytes are kept in [`PageBuf`], whole pages aligned to [`ALIGN`], which satisfies the
//! alignment every Linux block device asks for (512 or 4096 bytes). A file system that refuses
//! direct I/O (`EINVAL`, `EOPNOTSUPP`: tmpfs before 6.6, some FUSE file systems) gets the same
//! bytes written through the page cache instead; elsewhere (macOS, Windows) that is the only way.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use bytemuck::{Pod, Zeroable};

/// The alignment of direct writes: buffer address, file offset and length.
pub const ALIGN: usize = 4096;

/// One aligned page of a [`PageBuf`].
#[repr(C, align(4096))]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Page([u8; ALIGN]);

/// Bytes in memory in whole aligned pages, filled from the start. Emptied with
/// [`PageBuf::clear`], it keeps its pages (and their old bytes, written over as it fills again):
/// a buffer used again is neither zeroed nor faulted in page by page.
#[derive(Default)]
pub struct PageBuf {
    pages: Vec<Page>,
    len: usize,
}

impl std::fmt::Debug for PageBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageBuf").field("len", &self.len).finish()
    }
}

impl PageBuf {
    /// An empty buffer with room for `bytes` bytes (in whole pages) taken at once, so filling
    /// it up to there never moves it. The pages are written to only as they are filled.
    pub fn with_capacity(bytes: usize) -> Self {
        Self {
            pages: Vec::with_capacity(bytes.div_ceil(ALIGN)),
            len: 0,
        }
    }

    /// Appends `bytes`.
    pub fn extend(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let (index, offset) = (self.len / ALIGN, self.len % ALIGN);
            if index == self.pages.len() {
                self.pages.push(Page::zeroed());
            }
            let Some(page) = self.pages.get_mut(index) else {
                return;
            };
            let n = (ALIGN - offset).min(bytes.len());
            page.0[offset..offset + n].copy_from_slice(&bytes[..n]);
            self.len += n;
            bytes = &bytes[n..];
        }
    }

    /// The bytes appended so far.
    pub fn as_bytes(&self) -> &[u8] {
        &bytemuck::cast_slice::<Page, u8>(&self.pages)[..self.len]
    }

    /// Empties the buffer, keeping its memory.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// The bytes of memory the buffer holds (whole pages).
    pub fn capacity(&self) -> usize {
        self.pages.capacity().saturating_mul(ALIGN)
    }
}

/// Writes `body` as the whole of `path` (created, or truncated) and `fdatasync`s it.
pub fn write_synced(path: &Path, body: &PageBuf) -> io::Result<()> {
    write_synced_with(path, body, SYSTEM)
}

/// The two steps a file system may refuse direct I/O at; tests put in steps that refuse.
#[derive(Clone, Copy)]
struct Steps {
    open_direct: fn(&Path) -> io::Result<File>,
    write_direct: fn(&mut File, &[u8]) -> io::Result<()>,
}

const SYSTEM: Steps = Steps {
    open_direct: |path| create(path, true),
    write_direct: |file, bytes| file.write_all(bytes),
};

fn write_synced_with(path: &Path, body: &PageBuf, steps: Steps) -> io::Result<()> {
    let bytes = body.as_bytes();
    let whole = bytes.len() - bytes.len() % ALIGN;
    let file = match write_direct(path, bytes, whole, steps)? {
        Some(file) => file,
        None => {
            let mut file = create(path, false)?;
            file.write_all(bytes)?;
            file
        }
    };
    file.sync_data()
}

fn create(path: &Path, direct: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(target_os = "linux")]
    if direct {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_DIRECT);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = direct;
    super::namespace::serialized(path, || options.open(path))
}

/// The first `whole` bytes (whole pages) written directly, the rest through the page cache; or
/// `None` (nothing left behind that a buffered write would not replace) when the file system
/// refuses direct I/O or there is no whole page to write.
#[cfg(target_os = "linux")]
fn write_direct(path: &Path, bytes: &[u8], whole: usize, steps: Steps) -> io::Result<Option<File>> {
    use std::io::{Seek, SeekFrom};
    if whole == 0 {
        return Ok(None);
    }
    let refused = |e: &io::Error| matches!(e.raw_os_error(), Some(libc::EINVAL | libc::EOPNOTSUPP));
    let mut file = match (steps.open_direct)(path) {
        Ok(file) => file,
        Err(e) if refused(&e) => return Ok(None),
        Err(e) => return Err(e),
    };
    match (steps.write_direct)(&mut file, &bytes[..whole]) {
        Ok(()) if whole == bytes.len() => {}
        Ok(()) => {
            clear_direct(&file)?;
            file.write_all(&bytes[whole..])?;
        }
        // Refused past the open (an alignment the device asks more of), perhaps after some
        // pages went in: start over, buffered.
        Err(e) if refused(&e) => {
            clear_direct(&file)?;
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            file.write_all(bytes)?;
        }
        Err(e) => return Err(e),
    }
    Ok(Some(file))
}

#[cfg(not(target_os = "linux"))]
fn write_direct(_: &Path, _: &[u8], _: usize, _: Steps) -> io::Result<Option<File>> {
    Ok(None)
}

/// Turns `O_DIRECT` off for the open `file` (Linux allows it through `F_SETFL`).
#[cfg(target_os = "linux")]
fn clear_direct(file: &File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor we own; F_GETFL and F_SETFL pass no memory.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    // SAFETY: as above.
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_DIRECT) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
#[path = "direct_tests.rs"]
mod tests;
