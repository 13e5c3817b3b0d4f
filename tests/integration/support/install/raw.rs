//! A zip written byte by byte, for archives the `zip` crate's writer refuses to make: local
//! headers that disagree with the central directory, names that are not UTF-8, second names in
//! Unicode Path extra fields, overlapping or hidden entries, sizes declared in zip64 fields.
//! Compressed bytes and CRCs come from the `zip` crate's writer, so the data itself is sound.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

pub const STORED: u16 = 0;
pub const DEFLATED: u16 = 8;
/// General-purpose flag bit 11: the name is UTF-8.
pub const UTF8: u16 = 1 << 11;

/// The header fields of one entry; `local` overrides what its local header says.
#[derive(Clone, Debug)]
pub struct Entry {
    pub name: Vec<u8>,
    pub flags: u16,
    pub method: u16,
    pub crc: u32,
    pub compressed: Vec<u8>,
    /// The declared uncompressed size; over `u32::MAX` it goes in a zip64 extra field.
    pub size: u64,
    /// Extra fields, in both headers.
    pub extra: Vec<u8>,
    /// Unix mode and file type in the high 16 bits.
    pub external: u32,
    pub local: Local,
}

/// Where the local header differs from the central directory record.
#[derive(Clone, Debug, Default)]
pub struct Local {
    pub name: Option<Vec<u8>>,
    pub flags: Option<u16>,
    pub method: Option<u16>,
    pub crc: Option<u32>,
    pub size: Option<u64>,
}

impl Entry {
    /// A regular file holding `bytes`, compressed with `method`.
    pub fn file(name: &str, method: u16, bytes: &[u8]) -> Self {
        let (compressed, crc) = encode(method, bytes);
        Self {
            name: name.as_bytes().to_vec(),
            flags: if name.is_ascii() { 0 } else { UTF8 },
            method,
            crc,
            compressed,
            size: bytes.len() as u64,
            extra: Vec::new(),
            external: 0o100_644 << 16,
            local: Local::default(),
        }
    }

    pub fn stored(name: &str, bytes: &[u8]) -> Self {
        Self::file(name, STORED, bytes)
    }

    /// The same entry under the raw name `name` (any bytes).
    pub fn named(mut self, name: &[u8]) -> Self {
        self.name = name.to_vec();
        self
    }

    /// Adds an Info-ZIP Unicode Path extra field (0x7075) naming the entry `unicode`.
    pub fn with_unicode_path(mut self, unicode: &str) -> Self {
        let (_, name_crc) = encode(STORED, &self.name);
        let mut body = vec![1u8];
        body.extend_from_slice(&name_crc.to_le_bytes());
        body.extend_from_slice(unicode.as_bytes());
        self.extra.extend_from_slice(&0x7075u16.to_le_bytes());
        self.extra
            .extend_from_slice(&(body.len() as u16).to_le_bytes());
        self.extra.extend_from_slice(&body);
        self
    }
}

/// `bytes` as the `zip` crate compresses them with `method`, and their CRC-32.
pub fn encode(method: u16, bytes: &[u8]) -> (Vec<u8>, u32) {
    let method = match method {
        DEFLATED => CompressionMethod::Deflated,
        _ => CompressionMethod::Stored,
    };
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(method);
    zip.start_file("x", options).unwrap();
    zip.write_all(bytes).unwrap();
    let zip = zip.finish().unwrap().into_inner();
    let u16_at = |at: usize| usize::from(u16::from_le_bytes([zip[at], zip[at + 1]]));
    let u32_at = |at: usize| u32::from_le_bytes(zip[at..at + 4].try_into().unwrap());
    let start = 30 + u16_at(26) + u16_at(28);
    let compressed = u32_at(18) as usize;
    (zip[start..start + compressed].to_vec(), u32_at(14))
}

/// One header's fields, before they are laid out.
struct Fields<'a> {
    name: &'a [u8],
    flags: u16,
    method: u16,
    crc: u32,
    compressed: u64,
    size: u64,
    extra: &'a [u8],
}

impl Fields<'_> {
    /// Version needed, flags, method, time, date, CRC, sizes, name and extra lengths: the part
    /// both headers share; then the name and extra (with a zip64 field if a size needs one).
    fn write(&self, fixed: &mut Vec<u8>, tail: &mut Vec<u8>) {
        let zip64 = self.size > u64::from(u32::MAX) || self.compressed > u64::from(u32::MAX);
        let mut extra = self.extra.to_vec();
        if zip64 {
            extra.extend_from_slice(&1u16.to_le_bytes());
            extra.extend_from_slice(&16u16.to_le_bytes());
            extra.extend_from_slice(&self.size.to_le_bytes());
            extra.extend_from_slice(&self.compressed.to_le_bytes());
        }
        let small = |size: u64| if zip64 { u32::MAX } else { size as u32 };
        fixed.extend_from_slice(&(if zip64 { 45u16 } else { 20 }).to_le_bytes());
        fixed.extend_from_slice(&self.flags.to_le_bytes());
        fixed.extend_from_slice(&self.method.to_le_bytes());
        fixed.extend_from_slice(&[0, 0, 0x21, 0]); // 1980-01-01 00:00
        fixed.extend_from_slice(&self.crc.to_le_bytes());
        fixed.extend_from_slice(&small(self.compressed).to_le_bytes());
        fixed.extend_from_slice(&small(self.size).to_le_bytes());
        fixed.extend_from_slice(&(self.name.len() as u16).to_le_bytes());
        fixed.extend_from_slice(&(extra.len() as u16).to_le_bytes());
        tail.extend_from_slice(self.name);
        tail.extend_from_slice(&extra);
    }
}

/// A zip of `entries`. `inserted` bytes go after the entry of that index's data (for hidden
/// local headers); `offsets` overrides where a central record says its local header is.
pub fn zip(entries: &[Entry], inserted: &[(usize, Vec<u8>)], offsets: &[(usize, u32)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let offset = offsets
            .iter()
            .find(|(i, _)| *i == index)
            .map_or(out.len() as u32, |(_, at)| *at);
        let local = Fields {
            name: entry.local.name.as_deref().unwrap_or(&entry.name),
            flags: entry.local.flags.unwrap_or(entry.flags),
            method: entry.local.method.unwrap_or(entry.method),
            crc: entry.local.crc.unwrap_or(entry.crc),
            compressed: entry.compressed.len() as u64,
            size: entry.local.size.unwrap_or(entry.size),
            extra: &entry.extra,
        };
        out.extend_from_slice(b"PK\x03\x04");
        let (mut fixed, mut tail) = (Vec::new(), Vec::new());
        local.write(&mut fixed, &mut tail);
        out.extend_from_slice(&fixed);
        out.extend_from_slice(&tail);
        out.extend_from_slice(&entry.compressed);
        for (_, bytes) in inserted.iter().filter(|(i, _)| *i == index) {
            out.extend_from_slice(bytes);
        }
        let record = Fields {
            name: &entry.name,
            flags: entry.flags,
            method: entry.method,
            crc: entry.crc,
            compressed: entry.compressed.len() as u64,
            size: entry.size,
            extra: &entry.extra,
        };
        let (mut fixed, mut tail) = (Vec::new(), Vec::new());
        record.write(&mut fixed, &mut tail);
        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&(0x0300u16 | 45).to_le_bytes()); // made by Unix
        central.extend_from_slice(&fixed);
        central.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
        central.extend_from_slice(&entry.external.to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(&tail);
    }
    let start = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    let count = (entries.len() as u16).to_le_bytes();
    out.extend_from_slice(&count);
    out.extend_from_slice(&count);
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&start.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

/// A zip of `entries`, nothing inserted or moved.
pub fn plain(entries: &[Entry]) -> Vec<u8> {
    zip(entries, &[], &[])
}
