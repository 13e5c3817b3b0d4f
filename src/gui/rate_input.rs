//! A bandwidth typed by a person ("1.5 MB/s", "800k", "2 MiB/s", "unlimited"), validated into
//! bytes per second with a message that says what is wrong. Pure, tested in place.

/// The slowest limit accepted (below it a download would barely move): 1 KB/s.
pub const MIN_RATE: u64 = 1000;

/// Bytes per second for `text`; 0 means no limit.
pub fn parse_rate(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    if lower.is_empty() {
        return Err("type a speed such as 2 MB/s, 500 KB/s or unlimited".into());
    }
    if matches!(lower.as_str(), "unlimited" | "none" | "no limit" | "0") {
        return Ok(0);
    }
    let lower = lower.strip_suffix("/s").unwrap_or(&lower).trim_end();
    let split = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(lower.len());
    let (number, unit) = lower.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}`: no number at the start"))?;
    let scale: f64 = match unit.trim() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "`{text}`: unknown unit `{other}` (use B, KB, MB, GB, KiB, MiB or GiB per second)"
            ));
        }
    };
    let bytes = value * scale;
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err(format!("`{text}`: too large"));
    }
    let bytes = bytes.round() as u64;
    if bytes == 0 {
        return Ok(0);
    }
    if bytes < MIN_RATE {
        return Err(format!("`{text}`: at least 1 KB/s (or 0 for no limit)"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speeds_with_units() {
        assert_eq!(parse_rate("2 MB/s"), Ok(2_000_000));
        assert_eq!(parse_rate("1.5mb"), Ok(1_500_000));
        assert_eq!(parse_rate(" 800k "), Ok(800_000));
        assert_eq!(parse_rate("2 MiB/s"), Ok(2 * 1024 * 1024));
        assert_eq!(parse_rate("3000"), Ok(3000));
        assert_eq!(parse_rate("1 GB/s"), Ok(1_000_000_000));
        assert_eq!(parse_rate("Unlimited"), Ok(0));
        assert_eq!(parse_rate("0 MB/s"), Ok(0));
    }

    #[test]
    fn nonsense_is_refused_with_a_reason() {
        assert!(parse_rate("").is_err());
        assert!(parse_rate("fast").unwrap_err().contains("no number"));
        assert!(parse_rate("-3 MB").unwrap_err().contains("no number"));
        assert!(
            parse_rate("5 furlongs")
                .unwrap_err()
                .contains("unknown unit `furlongs`")
        );
        assert!(parse_rate("1.2.3 MB").unwrap_err().contains("no number"));
        assert!(parse_rate("500").unwrap_err().contains("at least 1 KB/s"));
        assert!(
            parse_rate("99999999999999999999 GB")
                .unwrap_err()
                .contains("too large")
        );
    }
}
