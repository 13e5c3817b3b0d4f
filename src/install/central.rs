//! The archive's headers read as stored. The central directory is read again byte by byte for
//! each entry's name and flags, which the zip reader hides (it decodes a name that is not UTF-8
//! as CP437, replaces a name by the one in an Info-ZIP Unicode Path extra field, and keeps one
//! of two entries of the same name); and each local header is checked against its central
//! directory record.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use zip::ZipReadOptions;

use super::InstallError;
use super::entries::{MAX_ENTRIES, MAX_PATH};
use super::names::printable;
use super::reader::{Archive, SharedFile};

/// General-purpose flag bit 11: the name and comment are UTF-8.
pub const FLAG_UTF8: u16 = 1 << 11;

const SIGNATURE: [u8; 4] = *b"PK\x01\x02";
const FIXED: usize = 46;
/// How much of a name too long to be checked is shown.
pub const SHOWN: usize = 64;

/// One central directory record, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The name's bytes.
    pub name: Vec<u8>,
    /// The general-purpose flags.
    pub flags: u16,
}

/// Why the records could not be listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The directory could not be read where the zip reader found it.
    Unreadable(String),
    /// More than [`MAX_ENTRIES`] records.
    TooMany,
    /// A record's name is longer than [`MAX_PATH`] bytes: its first [`SHOWN`] bytes, lossily
    /// decoded, and its length.
    LongName(String),
}

/// Every record of `zip`'s central directory, in order (the order of the zip reader's indexes).
pub fn records(zip: &Archive) -> Result<Vec<Record>, Problem> {
    let unreadable = |e: std::io::Error| Problem::Unreadable(e.to_string());
    let mut reader = zip.clone().into_inner();
    reader
        .seek(SeekFrom::Start(zip.central_directory_start()))
        .map_err(unreadable)?;
    let mut records = Vec::with_capacity(zip.len());
    // The zip reader found `zip.len()` distinct names; more records mean duplicates.
    loop {
        let mut header = [0u8; FIXED];
        match reader.read_exact(&mut header) {
            Ok(()) if header[..4] == SIGNATURE => {}
            // The end of central directory record (or the end of the file) follows the last.
            Ok(()) => break,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(unreadable(e)),
        }
        if records.len() == MAX_ENTRIES {
            return Err(Problem::TooMany);
        }
        let field = |at: usize| u16::from_le_bytes([header[at], header[at + 1]]);
        let (name_len, extra_len, comment_len) = (field(28), field(30), field(32));
        let mut name = vec![0u8; usize::from(name_len).min(MAX_PATH + 1)];
        reader.read_exact(&mut name).map_err(unreadable)?;
        if usize::from(name_len) > MAX_PATH {
            let start = String::from_utf8_lossy(&name[..SHOWN]);
            return Err(Problem::LongName(format!("{start}… ({name_len} bytes)")));
        }
        let skip = i64::from(extra_len) + i64::from(comment_len);
        reader.seek(SeekFrom::Current(skip)).map_err(unreadable)?;
        records.push(Record {
            name,
            flags: field(8),
        });
    }
    Ok(records)
}

/// The general-purpose flags of the local header at `offset` of `file`.
pub fn local_flags(file: &SharedFile, offset: u64) -> std::io::Result<u16> {
    let mut header = [0u8; 30];
    file.read_exact_at(&mut header, offset)?;
    if header[..4] != *b"PK\x03\x04" {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "no local header where the central directory says",
        ));
    }
    Ok(u16::from_le_bytes([header[6], header[7]]))
}

/// The first name listed twice, exactly (byte for byte).
pub fn first_duplicate(records: &[Record]) -> Option<&[u8]> {
    let mut seen = std::collections::HashSet::with_capacity(records.len());
    records
        .iter()
        .map(|record| record.name.as_slice())
        .find(|name| !seen.insert(*name))
}

/// Checks that every local header agrees with its central directory record (the `zip` crate
/// compares names, methods, CRCs, sizes and most flags; the UTF-8 flag is compared here), that
/// no two entries overlap and that no local header hides between them; names the first entry
/// whose local header disagrees.
pub fn check_local_headers(
    archive: &Path,
    zip: &Archive,
    records: &[Record],
) -> Result<(), InstallError> {
    let refuse = |record: &Record, problem: String| InstallError::Entry {
        archive: archive.to_path_buf(),
        entry: printable(&String::from_utf8_lossy(&record.name)),
        problem: format!(
            "has a local header that does not match the central directory ({problem})"
        ),
    };
    let file = zip.clone().into_inner();
    for (index, record) in records.iter().enumerate() {
        let start = zip
            .by_index_data(index)
            .map_err(|e| refuse(record, e.to_string()))?
            .header_start();
        let local = local_flags(&file, start).map_err(|e| refuse(record, e.to_string()))?;
        if (local ^ record.flags) & FLAG_UTF8 != 0 {
            return Err(refuse(
                record,
                "one of them flags the name UTF-8, the other not".into(),
            ));
        }
    }
    let Err(whole) = zip.clone().validate_header_consistency() else {
        return Ok(());
    };
    for (index, record) in records.iter().enumerate() {
        let options = ZipReadOptions::new().enforce_header_consistency(true);
        if let Err(e) = zip.clone().by_index_with_options(index, options) {
            return Err(refuse(record, e.to_string()));
        }
    }
    Err(InstallError::Archive {
        archive: archive.to_path_buf(),
        problem: format!("its entries are not laid out as its central directory says ({whole})"),
    })
}
