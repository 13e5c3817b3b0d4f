//! SHA-256 digests as they travel in manifests and reports: 64 lowercase hex characters.

use std::fmt;

/// A SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sha256Digest(pub [u8; 32]);

impl Sha256Digest {
    /// Parses exactly 64 hex digits (`0-9`, `a-f`, either case), nothing else: no sign, no
    /// `0x`, no spaces, no other characters. The error quotes the text and says what was wrong.
    pub fn parse_hex(text: &str) -> Result<Self, String> {
        let count = text.chars().count();
        if count != 64 {
            return Err(format!(
                "`{}` is not a SHA-256: expected 64 hex characters, found {count}",
                shown(text)
            ));
        }
        if let Some(other) = text.chars().find(|c| !c.is_ascii()) {
            return Err(format!(
                "`{}` is not a SHA-256: `{other}` is not a hex digit (only 0-9 and a-f are)",
                shown(text)
            ));
        }
        // 64 characters in 64 bytes: all ASCII, so every pair below is two whole characters.
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
            match (hex_digit(pair[0]), hex_digit(pair[1])) {
                (Some(high), Some(low)) => *byte = high << 4 | low,
                _ => {
                    return Err(format!(
                        "`{}` is not a SHA-256: `{}` is not a hex byte (only 0-9 and a-f are hex digits)",
                        shown(text),
                        shown(&String::from_utf8_lossy(pair))
                    ));
                }
            }
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

/// The value of one hex digit; `None` for anything else (`u8::from_str_radix` would also
/// accept a leading `+`).
fn hex_digit(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// `text` as it can be quoted in a message: control characters escaped, at most 100 characters.
fn shown(text: &str) -> String {
    const MAX: usize = 100;
    let mut out: String = text
        .chars()
        .take(MAX)
        .flat_map(char::escape_debug)
        .collect();
    if text.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
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

    /// `u8::from_str_radix` accepts `+f`: a digest is 64 hex digits and nothing else.
    #[test]
    fn only_hex_digits_are_accepted_no_sign_prefix_space_or_other_script() {
        let good = "ab".repeat(32);
        assert!(Sha256Digest::parse_hex(&good).is_ok());
        let cases: Vec<(String, &str)> = vec![
            (format!("+f{}", &good[2..]), "`+f` is not a hex byte"),
            (format!("{}+f", &good[..62]), "`+f` is not a hex byte"),
            (format!("0x{}", &good[2..]), "`0x` is not a hex byte"),
            (format!(" {}", &good[1..]), "` b` is not a hex byte"),
            (format!("{} ", &good[..63]), "`a ` is not a hex byte"),
            (format!("{good} "), "found 65"),
            (format!(" {good}"), "found 65"),
            (format!("0x{good}"), "found 66"),
            (format!("+{good}"), "found 65"),
            (format!("-a{}", &good[2..]), "`-a` is not a hex byte"),
            (format!("g0{}", &good[2..]), "`g0` is not a hex byte"),
            // 64 bytes but 63 characters: `é` is two bytes.
            (format!("é{}", &good[2..]), "found 63"),
            // 64 characters but more bytes: full-width digits are not ASCII hex.
            (format!("０{}", &good[1..]), "`０` is not a hex digit"),
            (format!("{good}\n"), "found 65"),
            (format!("\n{}", &good[1..]), "`\\nb` is not a hex byte"),
            (String::new(), "found 0"),
        ];
        for (text, problem) in cases {
            let error = Sha256Digest::parse_hex(&text).unwrap_err();
            assert!(error.contains(problem), "{text:?}: {error}");
            assert!(error.contains("is not a SHA-256"), "{text:?}: {error}");
        }
        let long = Sha256Digest::parse_hex(&"a".repeat(100_000)).unwrap_err();
        assert!(long.len() < 300, "the echo is cut: {} bytes", long.len());
    }
}
