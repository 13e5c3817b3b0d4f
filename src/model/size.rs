//! Byte sizes and rates as people type them (`40MB`, `1.5GiB`, `200ms`) and as we print them.
//!
//! Decimal suffixes (`KB`, `MB`, `GB`) are powers of 1000 and binary ones (`KiB`, `MiB`, `GiB`)
//! powers of 1024, as curl and aria2c users expect; a bare number is bytes.

use std::time::Duration;

/// Why a size or duration given on the command line or in a control message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    /// Not a number of bytes.
    #[error(
        "`{input}` is not a size: expected a number with an optional B, KB, MB, GB, KiB, MiB or GiB suffix"
    )]
    NotASize {
        /// The text given.
        input: String,
    },
    /// Not a duration.
    #[error(
        "`{input}` is not a duration: expected a number with a ms, s, m or h suffix (e.g. 200ms)"
    )]
    NotADuration {
        /// The text given.
        input: String,
    },
}

/// Parses `123`, `40MB`, `1.5GiB`, `10 kb` into bytes.
pub fn parse_size(input: &str) -> Result<u64, SizeError> {
    let err = || SizeError::NotASize {
        input: input.to_string(),
    };
    let trimmed = input.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, suffix) = trimmed.split_at(split);
    let value: f64 = number.parse().map_err(|_| err())?;
    let multiplier: u64 = match suffix.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        _ => return Err(err()),
    };
    let bytes = value * multiplier as f64;
    if !bytes.is_finite() || bytes < 0.0 || bytes > u64::MAX as f64 {
        return Err(err());
    }
    Ok(bytes.round() as u64)
}

/// Parses `200ms`, `2s`, `1.5s`, `1m`, `6h` into a duration; a bare number is milliseconds.
pub fn parse_duration(input: &str) -> Result<Duration, SizeError> {
    let err = || SizeError::NotADuration {
        input: input.to_string(),
    };
    let trimmed = input.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, suffix) = trimmed.split_at(split);
    let value: f64 = number.parse().map_err(|_| err())?;
    let seconds = match suffix.trim() {
        "" | "ms" => value / 1000.0,
        "s" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(err()),
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| err())
}

/// Formats a byte count for people: `512 B`, `4.2 KB`, `37.5 MB`, `1.07 GB` (decimal units).
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = "B";
    for next in UNITS {
        if value < 1000.0 {
            break;
        }
        value /= 1000.0;
        unit = next;
    }
    if value < 10.0 {
        format!("{value:.2} {unit}")
    } else if value < 100.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.0} {unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_decimal_and_binary_suffixes() {
        assert_eq!(parse_size("123"), Ok(123));
        assert_eq!(parse_size("40MB"), Ok(40_000_000));
        assert_eq!(parse_size("10 kb"), Ok(10_000));
        assert_eq!(parse_size("1.5GiB"), Ok(1_610_612_736));
        assert_eq!(parse_size("2KiB"), Ok(2048));
    }

    #[test]
    fn bad_sizes_name_the_input() {
        let err = parse_size("12 parsecs").unwrap_err();
        assert!(err.to_string().contains("`12 parsecs` is not a size"));
        assert!(parse_size("").is_err());
        assert!(parse_size("-3MB").is_err());
    }

    #[test]
    fn durations_default_to_milliseconds() {
        assert_eq!(parse_duration("200ms"), Ok(Duration::from_millis(200)));
        assert_eq!(parse_duration("250"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("6h"), Ok(Duration::from_secs(6 * 3600)));
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn bytes_format_for_people() {
        assert_eq!(format_bytes(512), "512 B");
        assert_eq!(format_bytes(4_200), "4.20 KB");
        assert_eq!(format_bytes(37_500_000), "37.5 MB");
        assert_eq!(format_bytes(1_073_741_824), "1.07 GB");
    }
}
