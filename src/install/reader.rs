//! The archive as a reader several threads share: one open file read at explicit offsets, with a
//! read-ahead buffer per clone. The `ZipArchive` is opened once (its central directory parsed and
//! checked once) and each extraction thread clones it, so every thread reads the very file that
//! was checked, whatever happens to its path meanwhile.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use super::InstallError;

/// Bytes read ahead for small reads that follow each other (the inflater's input).
const READ_AHEAD: usize = 256 << 10;
/// Bytes read ahead for a small read after a seek (a header and its name, most likely).
const SEEK_READ_AHEAD: usize = 4 << 10;

/// An archive opened for installing.
pub type Archive = zip::ZipArchive<SharedFile>;

/// Opens `path` and reads its central directory.
pub fn open(path: &Path) -> Result<Archive, InstallError> {
    let file = File::open(path).map_err(InstallError::io("open", path))?;
    let len = file
        .metadata()
        .map_err(InstallError::io("read the size of", path))?
        .len();
    let shared = SharedFile {
        file: Arc::new(file),
        len,
        position: 0,
        buffer: Vec::new(),
        buffer_start: 0,
    };
    zip::ZipArchive::new(shared).map_err(|e| InstallError::Archive {
        archive: path.to_path_buf(),
        problem: format!("not a valid zip archive ({e})"),
    })
}

/// A file read at explicit offsets; clones share the file and have their own position.
#[derive(Debug)]
pub struct SharedFile {
    file: Arc<File>,
    len: u64,
    position: u64,
    /// Bytes of the file from `buffer_start`.
    buffer: Vec<u8>,
    buffer_start: u64,
}

impl Clone for SharedFile {
    fn clone(&self) -> Self {
        Self {
            file: Arc::clone(&self.file),
            len: self.len,
            position: self.position,
            buffer: Vec::new(),
            buffer_start: 0,
        }
    }
}

impl SharedFile {
    /// Fills `out` from `offset`, past the read-ahead buffer: for small reads far apart, such
    /// as every local header of an archive of large files.
    pub fn read_exact_at(&self, out: &mut [u8], offset: u64) -> io::Result<()> {
        let mut filled = 0;
        while filled < out.len() {
            let at = offset.saturating_add(filled as u64);
            match self.read_at(&mut out[filled..], at)? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                count => filled += count,
            }
        }
        Ok(())
    }

    fn read_at(&self, out: &mut [u8], offset: u64) -> io::Result<usize> {
        loop {
            #[cfg(unix)]
            let result = std::os::unix::fs::FileExt::read_at(&*self.file, out, offset);
            #[cfg(windows)]
            let result = std::os::windows::fs::FileExt::seek_read(&*self.file, out, offset);
            match result {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }

    /// Copies what the buffer holds at the current position; 0 when it holds nothing there.
    fn copy_buffered(&mut self, out: &mut [u8]) -> usize {
        let end = self.buffer_start + self.buffer.len() as u64;
        if self.position < self.buffer_start || self.position >= end {
            return 0;
        }
        let from = (self.position - self.buffer_start) as usize;
        let count = out.len().min(self.buffer.len() - from);
        out[..count].copy_from_slice(&self.buffer[from..from + count]);
        self.position += count as u64;
        count
    }
}

impl Read for SharedFile {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        let copied = self.copy_buffered(out);
        if copied > 0 {
            return Ok(copied);
        }
        if out.len() >= READ_AHEAD {
            let count = self.read_at(out, self.position)?;
            self.position += count as u64;
            return Ok(count);
        }
        // A read that carries on where the buffer ended reads ahead in full; one after a seek
        // (a header, most likely) reads a little, so checking every local header of an archive
        // of large files does not copy a quarter MiB for each.
        let sequential = !self.buffer.is_empty()
            && self.position == self.buffer_start + self.buffer.len() as u64;
        let ahead = if sequential {
            READ_AHEAD
        } else {
            SEEK_READ_AHEAD
        };
        let mut buffer = std::mem::take(&mut self.buffer);
        buffer.resize(ahead.max(out.len()), 0);
        let result = self.read_at(&mut buffer, self.position);
        buffer.truncate(*result.as_ref().unwrap_or(&0));
        self.buffer = buffer;
        self.buffer_start = self.position;
        result?;
        Ok(self.copy_buffered(out))
    }
}

impl Seek for SharedFile {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(offset) => Some(offset),
            SeekFrom::End(delta) => self.len.checked_add_signed(delta),
            SeekFrom::Current(delta) => self.position.checked_add_signed(delta),
        };
        self.position = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_read_the_same_bytes_at_their_own_positions() {
        let mut temp = tempfile::NamedTempFile::new().unwrap();
        let bytes: Vec<u8> = (0..READ_AHEAD * 3).map(|i| (i % 251) as u8).collect();
        std::io::Write::write_all(&mut temp, &bytes).unwrap();
        let file = File::open(temp.path()).unwrap();
        let mut a = SharedFile {
            len: bytes.len() as u64,
            file: Arc::new(file),
            position: 0,
            buffer: Vec::new(),
            buffer_start: 0,
        };
        let mut b = a.clone();
        b.seek(SeekFrom::End(-10)).unwrap();
        let mut small = [0u8; 7];
        a.read_exact(&mut small).unwrap();
        assert_eq!(small, bytes[..7]);
        let mut tail = Vec::new();
        b.read_to_end(&mut tail).unwrap();
        assert_eq!(tail, bytes[bytes.len() - 10..]);
        a.seek(SeekFrom::Current(100)).unwrap();
        let mut big = vec![0u8; READ_AHEAD + 5];
        a.read_exact(&mut big).unwrap();
        assert_eq!(big, bytes[107..107 + READ_AHEAD + 5]);
        assert!(a.seek(SeekFrom::Current(-1_000_000)).is_err());
        let mut direct = [0u8; 9];
        a.read_exact_at(&mut direct, 1000).unwrap();
        assert_eq!(direct, bytes[1000..1009]);
        let end = bytes.len() as u64 - 4;
        assert!(a.read_exact_at(&mut direct, end).is_err(), "past the end");
    }
}
