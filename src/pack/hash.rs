//! Streaming SHA-256 of files, with an optional progress callback: memory stays constant
//! whatever the file's size.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::BuildError;
use crate::model::Sha256Digest;

/// The read size: large enough to reach the hash's full speed.
const CHUNK: usize = 256 * 1024;

/// Hashes the file at `path`, calling `progress` with the bytes read so far.
pub fn sha256_file(
    path: &Path,
    mut progress: impl FnMut(u64),
) -> Result<(Sha256Digest, u64), BuildError> {
    let mut file = File::open(path).map_err(BuildError::read(path))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        let read = file.read(&mut buffer).map_err(BuildError::read(path))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        total += read as u64;
        progress(total);
    }
    Ok((Sha256Digest(hasher.finalize().into()), total))
}
