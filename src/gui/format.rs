//! Numbers as the window shows them: byte sizes and rates in decimal units (as Apple's
//! interfaces do), durations left, versions, and times of day (to the millisecond,
//! so the inspector's timeline lines up with logs).

use std::fmt::Write as _;

/// `1234567` → `"1.2 MB"`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KB", "MB", "GB", "TB", "PB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

/// `"1.2 MB/s"`, or nothing when the rate is unknown.
pub fn rate(bytes_per_second: u64) -> Option<String> {
    (bytes_per_second > 0).then(|| format!("{}/s", bytes(bytes_per_second)))
}

/// `"3 s left"`, `"2 min 5 s left"`, `"1 h 4 min left"`.
pub fn eta(seconds: u64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h} h {m} min left")
    } else if m > 0 {
        format!("{m} min {s} s left")
    } else {
        format!("{s} s left")
    }
}

/// `"v1 (v2 available)"`, `"v2"`, `"v1 available"`, `"v1 (no longer listed)"`. (No arrows:
/// egui's proportional font has none.)
pub fn versions(installed: Option<u64>, listed: Option<u64>) -> String {
    match (installed, listed) {
        (Some(i), Some(l)) if l > i => format!("v{i} (v{l} available)"),
        (Some(i), Some(_)) => format!("v{i}"),
        (Some(i), None) => format!("v{i} (no longer listed)"),
        (None, Some(l)) => format!("v{l} available"),
        (None, None) => "not listed".into(),
    }
}

/// Milliseconds as a time of day, `"HH:MM:SS.mmm"`, without a zone: [`super::clock`] adds
/// the local zone's offset and name.
pub fn time_of_day(at_ms: u64) -> String {
    let ms = at_ms % 1000;
    let secs = at_ms / 1000;
    let (h, m, s) = (secs / 3600 % 24, secs / 60 % 60, secs % 60);
    format!("{h:02}:{m:02}:{s:02}.{ms:03}")
}

/// `"done / total"` bytes, or just the total when nothing is transferring.
pub fn transfer(done: u64, total: u64) -> String {
    let mut text = String::new();
    if done > 0 && done < total {
        let _ = write!(text, "{} / ", bytes(done));
    }
    text.push_str(&bytes(total));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_apples() {
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1_234_567), "1.2 MB");
        assert_eq!(bytes(31_000_000), "31 MB");
        assert_eq!(bytes(5_000_000_000), "5.0 GB");
        assert_eq!(rate(0), None);
        assert_eq!(rate(4_000_000).as_deref(), Some("4.0 MB/s"));
    }

    #[test]
    fn durations_versions_and_times() {
        assert_eq!(eta(5), "5 s left");
        assert_eq!(eta(125), "2 min 5 s left");
        assert_eq!(eta(3840), "1 h 4 min left");
        assert_eq!(versions(Some(1), Some(2)), "v1 (v2 available)");
        assert_eq!(versions(None, Some(3)), "v3 available");
        assert_eq!(time_of_day(3_723_004), "01:02:03.004");
        assert_eq!(transfer(500, 1000), "500 B / 1.0 KB");
        assert_eq!(transfer(0, 1000), "1.0 KB");
    }
}
