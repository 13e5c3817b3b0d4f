//! Times as people read them: the local time of day with its zone ("14:03:07.250 CET"), and
//! "UTC" only when the local zone is UTC. The zone comes from the C library (`localtime_r`,
//! which follows `TZ` and `/etc/localtime`); where that is not available (outside Linux) times
//! are shown in UTC and say so. The formatting is pure and tested in place.

/// A moment's offset from UTC and the zone's abbreviation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    /// Seconds east of UTC.
    pub offset_seconds: i64,
    /// The zone's abbreviation (`CET`, `UTC`), empty when unknown.
    pub name: String,
}

impl Zone {
    /// UTC.
    pub fn utc() -> Self {
        Self {
            offset_seconds: 0,
            name: "UTC".into(),
        }
    }

    /// The local zone at `at_ms` (Unix milliseconds).
    pub fn local_at(at_ms: u64) -> Self {
        local_zone(at_ms).unwrap_or_else(Self::utc)
    }

    /// What people read after the time: the abbreviation when it is a name, else the offset
    /// (`UTC+05:30`); `UTC` only when the offset is zero and the zone says nothing else.
    pub fn label(&self) -> String {
        let named = !self.name.is_empty()
            && self.name.chars().all(|c| c.is_ascii_alphabetic())
            && self.name.len() <= 6;
        if named {
            return self.name.clone();
        }
        if self.offset_seconds == 0 {
            return "UTC".into();
        }
        let sign = if self.offset_seconds < 0 { '-' } else { '+' };
        let minutes = self.offset_seconds.unsigned_abs() / 60;
        format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
    }
}

/// `at_ms` in `zone` as `"HH:MM:SS.mmm ZONE"`.
pub fn time_in(at_ms: u64, zone: &Zone) -> String {
    let local = i128::from(at_ms) + i128::from(zone.offset_seconds) * 1000;
    let day_ms = local.rem_euclid(86_400_000) as u64;
    format!("{} {}", super::format::time_of_day(day_ms), zone.label())
}

/// `at_ms` as a local time of day with its zone: `"14:03:07.250 CET"`.
pub fn local_time(at_ms: u64) -> String {
    time_in(at_ms, &Zone::local_at(at_ms))
}

/// `at_ms` as a local `"HH:MM ZONE"`, for "last checked" and such.
pub fn local_minutes(at_ms: u64) -> String {
    let full = local_time(at_ms);
    // "HH:MM:SS.mmm ZONE" → "HH:MM ZONE"
    match (full.get(..5), full.split_once(' ')) {
        (Some(hm), Some((_, zone))) => format!("{hm} {zone}"),
        _ => full,
    }
}

#[cfg(target_os = "linux")]
fn local_zone(at_ms: u64) -> Option<Zone> {
    let seconds = libc::time_t::try_from(at_ms / 1000).ok()?;
    // SAFETY: `localtime_r` fills the `tm` we own from a `time_t` we own; it is the reentrant
    // form. `tm_zone` points into the C library's static zone names, copied at once.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&seconds, &mut tm).is_null() {
            return None;
        }
        let name = if tm.tm_zone.is_null() {
            String::new()
        } else {
            std::ffi::CStr::from_ptr(tm.tm_zone)
                .to_string_lossy()
                .into_owned()
        };
        Some(Zone {
            offset_seconds: tm.tm_gmtoff as i64,
            name,
        })
    }
}

#[cfg(not(target_os = "linux"))]
fn local_zone(_at_ms: u64) -> Option<Zone> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(offset_seconds: i64, name: &str) -> Zone {
        Zone {
            offset_seconds,
            name: name.into(),
        }
    }

    #[test]
    fn times_say_their_zone() {
        let at = 1_700_000_000_000; // 22:13:20 UTC
        assert_eq!(time_in(at, &Zone::utc()), "22:13:20.000 UTC");
        assert_eq!(time_in(at, &zone(3600, "CET")), "23:13:20.000 CET");
        assert_eq!(time_in(at, &zone(19_800, "")), "03:43:20.000 UTC+05:30");
        assert_eq!(time_in(at, &zone(-10_800, "-03")), "19:13:20.000 UTC-03:00");
        assert_eq!(time_in(0, &zone(-3600, "")), "23:00:00.000 UTC-01:00");
    }

    #[test]
    fn a_zero_offset_with_another_name_keeps_its_name() {
        assert_eq!(zone(0, "GMT").label(), "GMT");
        assert_eq!(zone(0, "").label(), "UTC");
    }

    #[test]
    fn the_local_zone_is_found() {
        let text = local_time(1_700_000_000_000);
        assert!(text.len() > "22:13:20.000 ".len(), "{text}");
        assert_eq!(local_minutes(1_700_000_000_000).len(), text.len() - 7);
    }
}
