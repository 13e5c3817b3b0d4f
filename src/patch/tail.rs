//! Where an archive's central directory is, read from the archive's last bytes (the end of
//! central directory record, and its zip64 form): pure arithmetic on bytes a server sent, so
//! every offset is checked to lie inside the archive before it is used.

use crate::install::entries::MAX_ENTRIES;

/// The bytes fetched first from the end of an archive: the end record (22 bytes), the longest
/// comment (65,535 bytes), and the zip64 locator and record (20 + 56 bytes), with room to spare.
pub const PROBE: u64 = 80 << 10;

/// The largest central directory read (a record is 46 bytes plus a name of at most 1,024 bytes
/// and its extra fields; 100,000 of them fit).
pub const MAX_CENTRAL: u64 = 160 << 20;

const EOCD: [u8; 4] = *b"PK\x05\x06";
const LOCATOR: [u8; 4] = *b"PK\x06\x07";
const EOCD64: [u8; 4] = *b"PK\x06\x06";

/// The central directory of an archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Central {
    /// Its offset in the archive.
    pub start: u64,
    /// Its size in bytes.
    pub size: u64,
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from(u16::from_le_bytes(
        bytes.get(at..at + 2)?.try_into().ok()?,
    )))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from(u32::from_le_bytes(
        bytes.get(at..at + 4)?.try_into().ok()?,
    )))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

/// Finds the central directory of an archive of `size` bytes whose last `tail.len()` bytes are
/// `tail`; the error says what is wrong for people.
pub fn locate(size: u64, tail: &[u8]) -> Result<Central, String> {
    let tail_start = size
        .checked_sub(tail.len() as u64)
        .ok_or("more bytes were read than the archive has")?;
    // The end record is the last `PK\5\6` whose comment reaches exactly the end.
    let at = (0..=tail.len().saturating_sub(22))
        .rev()
        .find(|&at| {
            tail[at..].starts_with(&EOCD)
                && u16_at(tail, at + 20).is_some_and(|c| at as u64 + 22 + c == tail.len() as u64)
        })
        .ok_or("no end of central directory record in its last bytes: not a zip archive")?;
    let field = |offset| u32_at(tail, at + offset).unwrap_or(0);
    let (mut entries, mut cd_size, mut cd_start) =
        (u16_at(tail, at + 10).unwrap_or(0), field(12), field(16));
    let mut end = tail_start + at as u64;
    if entries == 0xFFFF || cd_size == 0xFFFF_FFFF || cd_start == 0xFFFF_FFFF {
        let locator = at
            .checked_sub(20)
            .filter(|&l| tail[l..].starts_with(&LOCATOR))
            .ok_or("its end record asks for zip64, but no zip64 locator precedes it")?;
        let record = u64_at(tail, locator + 8).unwrap_or(u64::MAX);
        let local = record
            .checked_sub(tail_start)
            .and_then(|r| usize::try_from(r).ok())
            .filter(|&r| {
                r.checked_add(56)
                    .and_then(|e| tail.get(r..e))
                    .is_some_and(|b| b.starts_with(&EOCD64))
            })
            .ok_or("its zip64 end record is not where its locator says")?;
        entries = u64_at(tail, local + 32).unwrap_or(u64::MAX);
        cd_size = u64_at(tail, local + 40).unwrap_or(u64::MAX);
        cd_start = u64_at(tail, local + 48).unwrap_or(u64::MAX);
        end = record;
    }
    if entries > MAX_ENTRIES as u64 + 1 {
        return Err(format!(
            "it lists {entries} entries, more than the {MAX_ENTRIES} a pack may have"
        ));
    }
    if cd_size > MAX_CENTRAL {
        return Err(format!(
            "its central directory takes {cd_size} bytes, more than the {MAX_CENTRAL} read"
        ));
    }
    if cd_start.checked_add(cd_size).is_none_or(|e| e > end) {
        return Err("its central directory runs past its end record".into());
    }
    Ok(Central {
        start: cd_start,
        size: cd_size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn archive(comment: &str) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("a.txt", options).unwrap();
        zip.write_all(b"hello").unwrap();
        zip.set_comment(comment).unwrap();
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn the_central_directory_is_found_from_any_tail_that_holds_the_end_record() {
        for comment in ["", "PK\x05\x06 a comment that looks like a record"] {
            let bytes = archive(comment);
            let size = bytes.len() as u64;
            let whole = locate(size, &bytes).unwrap();
            assert_eq!(&bytes[whole.start as usize..][..4], b"PK\x01\x02");
            let short = &bytes[bytes.len() - 22 - comment.len()..];
            assert_eq!(locate(size, short), Ok(whole));
        }
    }

    #[test]
    fn lying_end_records_are_refused() {
        let mut bytes = archive("");
        let n = bytes.len();
        assert!(
            locate(n as u64, &bytes[..n - 1])
                .unwrap_err()
                .contains("not a zip")
        );
        bytes[n - 6..n - 2].copy_from_slice(&(n as u32).to_le_bytes()); // start past the end
        assert!(locate(n as u64, &bytes).unwrap_err().contains("runs past"));
        bytes[n - 6..n - 2].copy_from_slice(&u32::MAX.to_le_bytes()); // zip64 with no locator
        assert!(locate(n as u64, &bytes).unwrap_err().contains("zip64"));
        assert!(
            locate(1, &bytes).is_err(),
            "more bytes than the archive has"
        );
    }

    /// The regression this guards: a zip64 locator naming a record near 2^64 overflowed the
    /// end of the slice it asked for (a panic in debug builds) instead of being refused.
    #[test]
    fn a_zip64_locator_pointing_near_the_end_of_u64_is_refused() {
        let mut tail = Vec::new();
        tail.extend_from_slice(&LOCATOR);
        tail.extend_from_slice(&0u32.to_le_bytes());
        tail.extend_from_slice(&(u64::MAX - 10).to_le_bytes());
        tail.extend_from_slice(&1u32.to_le_bytes());
        tail.extend_from_slice(b"PK\x05\x06");
        tail.extend_from_slice(&[0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
        tail.extend_from_slice(&[0xFF; 8]);
        tail.extend_from_slice(&[0, 0]);
        let refused = locate(tail.len() as u64, &tail).unwrap_err();
        assert!(refused.contains("not where its locator says"), "{refused}");
    }
}
