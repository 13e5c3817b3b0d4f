//! JSON with comments and trailing commas ("JSONC"), as Apple's `ba-package template` writes pack
//! manifests: `//` line comments, `/* */` block comments and a comma before `]` or `}`.
//!
//! [`strip`] blanks comments and such commas out with spaces (newlines are kept), so line and
//! column numbers in later serde errors still point at the right place in the original text.

/// Returns `text` with comments and trailing commas replaced by spaces.
pub fn strip(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut i = 0;
    let mut last_comma: Option<usize> = None;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i = skip_string(bytes, i);
                last_comma = None;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    out[i] = b' ';
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let start = i;
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                let end = (i + 2).min(bytes.len());
                blank(&mut out[start..end]);
                i = end;
                continue;
            }
            b',' => last_comma = Some(i),
            b']' | b'}' => {
                if let Some(comma) = last_comma.take() {
                    out[comma] = b' ';
                }
            }
            byte if byte.is_ascii_whitespace() => {}
            _ => last_comma = None,
        }
        i += 1;
    }
    // Only ASCII bytes were replaced by spaces, so the text is still UTF-8.
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// Returns the index just past the string literal that starts at `start` (a `"`).
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Replaces every byte but newlines with a space. Multi-byte characters inside comments become
/// several spaces, which keeps the result valid UTF-8.
fn blank(bytes: &mut [u8]) {
    for byte in bytes {
        if *byte != b'\n' {
            *byte = b' ';
        }
    }
}

#[cfg(test)]
mod tests {
    use super::strip;

    #[test]
    fn removes_comments_and_trailing_commas() {
        let text = "{\n  // a comment\n  \"a\": [1, 2, ], /* block */\n  \"b\": \"x // not a comment,]\",\n}";
        let value: serde_json::Value = serde_json::from_str(&strip(text)).unwrap();
        assert_eq!(value["a"], serde_json::json!([1, 2]));
        assert_eq!(value["b"], "x // not a comment,]");
    }

    #[test]
    fn keeps_line_numbers() {
        let text = "{\n// c\n\"a\": tru }";
        let err = serde_json::from_str::<serde_json::Value>(&strip(text)).unwrap_err();
        assert_eq!(err.line(), 3);
    }

    #[test]
    fn leaves_unterminated_input_for_the_parser_to_reject() {
        assert!(serde_json::from_str::<serde_json::Value>(&strip("{\"a\": \"open")).is_err());
        assert!(serde_json::from_str::<serde_json::Value>(&strip("/* open")).is_err());
    }

    #[test]
    fn escaped_quotes_stay_inside_strings() {
        let text = r#"{"a": "say \"hi\", // ok", }"#;
        let value: serde_json::Value = serde_json::from_str(&strip(text)).unwrap();
        assert_eq!(value["a"], "say \"hi\", // ok");
    }
}
