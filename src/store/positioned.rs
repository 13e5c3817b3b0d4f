//! Reads and writes at an offset of a file, leaving its cursor alone: the segmented writer's
//! chunks and the delta's sparse copy of an archive. `pread`/`pwrite` on Unix; on Windows
//! `seek_read`/`seek_write`, looped until every byte is written (a write of none is an error,
//! never a loop).

use std::fs::File;
use std::io;

/// Writes all of `bytes` at `offset` of `file`.
#[cfg(unix)]
pub fn write_at(file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
}

/// Reads into `buffer` from `offset` of `file`; how many bytes were read (0 at its end).
#[cfg(unix)]
pub fn read_at(file: &File, buffer: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buffer, offset)
}

/// Writes all of `bytes` at `offset` of `file`.
#[cfg(windows)]
pub fn write_at(file: &File, mut bytes: &[u8], mut offset: u64) -> io::Result<()> {
    while !bytes.is_empty() {
        let written = std::os::windows::fs::FileExt::seek_write(file, bytes, offset)?;
        if written == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        bytes = &bytes[written..];
        offset = offset.saturating_add(written as u64);
    }
    Ok(())
}

/// Reads into `buffer` from `offset` of `file`; how many bytes were read (0 at its end).
#[cfg(windows)]
pub fn read_at(file: &File, buffer: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buffer, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_land_at_their_offsets_and_read_back() {
        let file = tempfile::tempfile().unwrap();
        write_at(&file, b"world", 6).unwrap();
        write_at(&file, b"hello ", 0).unwrap();
        let mut buffer = [0u8; 16];
        let read = read_at(&file, &mut buffer, 0).unwrap();
        assert_eq!(&buffer[..read], b"hello world");
        assert_eq!(read_at(&file, &mut buffer, 11).unwrap(), 0, "the end");
    }
}
