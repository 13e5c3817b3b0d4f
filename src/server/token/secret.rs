//! The token secret ([`Secret`]): validated once, never shown by `Debug`, compared in constant
//! time ([`constant_time_eq`] over SHA-256 digests) and used as the HMAC key of signed URLs.

use std::fmt;
use std::str::FromStr;

use hmac::KeyInit;
use sha2::{Digest, Sha256};

/// HMAC-SHA256, the signature of signed URLs.
pub(super) type HmacSha256 = hmac::Hmac<Sha256>;

/// The longest secret accepted, in bytes.
pub const MAX_SECRET_LEN: usize = 4096;
/// A validated secret: 1 to [`MAX_SECRET_LEN`] bytes of visible ASCII (no spaces), so that it
/// can travel as a bearer token in a header. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    text: String,
    digest: [u8; 32],
}

/// Why a secret is refused (the secret itself is never repeated).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The secret is empty.
    #[error("the token secret is empty")]
    Empty,
    /// The secret is longer than [`MAX_SECRET_LEN`].
    #[error("the token secret is {len} bytes long; at most {MAX_SECRET_LEN} are accepted")]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// The secret holds a space, a control character or a non-ASCII character.
    #[error(
        "the token secret has a character at byte {at} that is not visible ASCII \
         (it must travel in an `Authorization: Bearer` header: no spaces, no control characters)"
    )]
    NotVisibleAscii {
        /// The byte offset of the first bad character.
        at: usize,
    },
}

impl Secret {
    /// Validates a secret.
    pub fn new(text: &str) -> Result<Secret, SecretError> {
        if text.is_empty() {
            return Err(SecretError::Empty);
        }
        if text.len() > MAX_SECRET_LEN {
            return Err(SecretError::TooLong { len: text.len() });
        }
        if let Some(at) = text.bytes().position(|byte| !byte.is_ascii_graphic()) {
            return Err(SecretError::NotVisibleAscii { at });
        }
        Ok(Secret {
            text: text.to_string(),
            digest: Sha256::digest(text.as_bytes()).into(),
        })
    }

    /// The secret itself, to send as a bearer token (never to log).
    pub fn expose(&self) -> &str {
        &self.text
    }

    /// Whether `token` is this secret, in time that depends on neither's contents or length.
    pub fn matches(&self, token: &[u8]) -> bool {
        let digest: [u8; 32] = Sha256::digest(token).into();
        constant_time_eq(&digest, &self.digest)
    }

    /// A fresh HMAC-SHA256 keyed with the secret.
    pub(super) fn mac(&self) -> HmacSha256 {
        // HMAC takes keys of any length: this never fails.
        <HmacSha256 as KeyInit>::new_from_slice(self.text.as_bytes())
            .unwrap_or_else(|_| unreachable_mac())
    }
}

/// HMAC accepts every key length; this is only here so that no `expect` is needed.
#[cold]
fn unreachable_mac() -> HmacSha256 {
    <HmacSha256 as KeyInit>::new(&Default::default())
}

impl FromStr for Secret {
    type Err = SecretError;
    fn from_str(text: &str) -> Result<Secret, SecretError> {
        Secret::new(text)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<{} bytes, hidden>)", self.text.len())
    }
}

/// Whether two byte strings are equal, looking at every byte whatever they hold: the time
/// depends on the lengths only (both are digests of a fixed length where it matters).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a
        .iter()
        .zip(b)
        .fold(0u8, |acc, (x, y)| acc | std::hint::black_box(x ^ y));
    std::hint::black_box(difference) == 0
}
