//! SHA-256 digests as they travel in manifests and reports: 64 lowercase hex characters.

use std::fmt;

/// A SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sha256Digest(pub [u8; 32]);

impl Sha256Digest {
    /// Parses 64 hex characters (either case); the error says what was wrong.
    pub fn parse_hex(text: &str) -> Result<Self, String> {
        if text.len() != 64 {
            return Err(format!(
                "`{text}` is not a SHA-256: expected 64 hex characters, found {}",
                text.chars().count()
            ));
        }
        let mut bytes = [0u8; 32];
        for (i, pair) in text.as_bytes().chunks(2).enumerate() {
            let hex = std::str::from_utf8(pair).unwrap_or("");
            bytes[i] = u8::from_str_radix(hex, 16)
                .map_err(|_| format!("`{text}` is not a SHA-256: `{hex}` is not a hex byte"))?;
        }
        Ok(Self(bytes))
    }

    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        use sha2::Digest;
        Self(sha2::Sha256::digest(bytes).into())
    }

    /// The lowercase hex form.
    pub fn to_hex(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256Digest({self})")
    }
}

impl serde::Serialize for Sha256Digest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Sha256Digest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse_hex(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::Sha256Digest;

    #[test]
    fn hex_round_trips_and_matches_known_vector() {
        let empty = Sha256Digest::of(b"");
        assert_eq!(
            empty.to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            Sha256Digest::parse_hex(&empty.to_hex().to_uppercase()),
            Ok(empty)
        );
    }

    #[test]
    fn bad_hex_is_named() {
        assert!(
            Sha256Digest::parse_hex("abc")
                .unwrap_err()
                .contains("found 3")
        );
        let bad = "zz".repeat(32);
        assert!(
            Sha256Digest::parse_hex(&bad)
                .unwrap_err()
                .contains("`zz` is not a hex byte")
        );
    }
}
