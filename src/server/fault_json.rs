//! The JSON forms of [`Faults`]: sizes as numbers of bytes or strings such as `"40MB"`,
//! latency as milliseconds or strings such as `"200ms"`, and the partial updates the control
//! endpoint accepts (fields present replace, `null` clears, missing fields are kept).

use std::time::Duration;

use serde_json::{Map, Value};

use super::faults::{FaultError, Faults};
use crate::model::size::{parse_duration, parse_size};

impl Faults {
    /// Parses a control-endpoint body and applies it on top of `self`: fields present replace
    /// the current value, `null` resets one to "no fault", missing fields are kept.
    pub fn patched(&self, body: &[u8]) -> Result<Faults, FaultError> {
        let value: Value =
            serde_json::from_slice(body).map_err(|error| FaultError::NotJson(error.to_string()))?;
        let Value::Object(map) = value else {
            return Err(FaultError::NotAnObject);
        };
        self.patched_with(&map)
    }

    /// Applies a JSON object of changes on top of `self`; see [`Faults::patched`].
    pub fn patched_with(&self, changes: &Map<String, Value>) -> Result<Faults, FaultError> {
        let mut next = self.clone();
        let defaults = Faults::default();
        for (key, value) in changes {
            match key.as_str() {
                "latency" => next.latency = latency_value(value)?,
                "rate" => next.rate = size_value("rate", value)?,
                "fail_rate" => next.fail_rate = fraction_value(value)?.unwrap_or(0.0),
                "retry_after" => {
                    next.retry_after =
                        u64_value("retry_after", value)?.unwrap_or(defaults.retry_after)
                }
                "seed" => next.seed = u64_value("seed", value)?,
                "drop_after" => next.drop_after = size_value("drop_after", value)?,
                "stall_after" => next.stall_after = size_value("stall_after", value)?,
                "ignore_range" => next.ignore_range = bool_value("ignore_range", value)?,
                "change_etag" => next.change_etag = bool_value("change_etag", value)?,
                "corrupt" => next.corrupt = bool_value("corrupt", value)?,
                other => return Err(FaultError::UnknownField(other.to_string())),
            }
        }
        next.validate()?;
        Ok(next)
    }
}

fn invalid(field: &'static str, message: impl Into<String>) -> FaultError {
    FaultError::Invalid {
        field,
        message: message.into(),
    }
}

/// A size: a whole number of bytes or a string with a suffix; `null` is "unset".
pub(super) fn size_value(field: &'static str, value: &Value) -> Result<Option<u64>, FaultError> {
    match value {
        Value::Null => Ok(None),
        Value::Number(number) => number.as_u64().map(Some).ok_or_else(|| {
            invalid(
                field,
                format!("expected a whole number of bytes, got {number}"),
            )
        }),
        Value::String(text) => parse_size(text)
            .map(Some)
            .map_err(|error| invalid(field, error.to_string())),
        other => Err(invalid(
            field,
            format!("expected a size such as 40MB or a number of bytes, got {other}"),
        )),
    }
}

/// A latency: milliseconds as a number, or a string such as `"200ms"` or `"1.5s"`.
pub(super) fn latency_value(value: &Value) -> Result<Option<Duration>, FaultError> {
    match value {
        Value::Null => Ok(None),
        Value::Number(number) => match number.as_f64() {
            Some(ms) if ms.is_finite() && ms >= 0.0 => Duration::try_from_secs_f64(ms / 1000.0)
                .map(Some)
                .map_err(|error| invalid("latency", error.to_string())),
            _ => Err(invalid(
                "latency",
                format!("expected milliseconds ≥ 0, got {number}"),
            )),
        },
        Value::String(text) => parse_duration(text)
            .map(Some)
            .map_err(|error| invalid("latency", error.to_string())),
        other => Err(invalid(
            "latency",
            format!("expected a duration such as \"200ms\" or milliseconds, got {other}"),
        )),
    }
}

fn fraction_value(value: &Value) -> Result<Option<f64>, FaultError> {
    match value {
        Value::Null => Ok(None),
        Value::Number(number) => number.as_f64().map(Some).ok_or_else(|| {
            invalid(
                "fail_rate",
                format!("expected a fraction between 0 and 1, got {number}"),
            )
        }),
        other => Err(invalid(
            "fail_rate",
            format!("expected a fraction between 0 and 1, got {other}"),
        )),
    }
}

fn u64_value(field: &'static str, value: &Value) -> Result<Option<u64>, FaultError> {
    match value {
        Value::Null => Ok(None),
        Value::Number(number) => number
            .as_u64()
            .map(Some)
            .ok_or_else(|| invalid(field, format!("expected a whole number ≥ 0, got {number}"))),
        other => Err(invalid(
            field,
            format!("expected a whole number ≥ 0, got {other}"),
        )),
    }
}

fn bool_value(field: &'static str, value: &Value) -> Result<bool, FaultError> {
    match value {
        Value::Null => Ok(false),
        Value::Bool(set) => Ok(*set),
        other => Err(invalid(
            field,
            format!("expected true or false, got {other}"),
        )),
    }
}

/// Serializes a size as a number of bytes; accepts a number or a string such as `"40MB"`.
pub(super) mod size_serde {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use serde_json::Value;

    pub fn serialize<S: Serializer>(value: &Option<u64>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(bytes) => serializer.serialize_u64(*bytes),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<u64>, D::Error> {
        let value = Value::deserialize(deserializer)?;
        super::size_value("size", &value).map_err(D::Error::custom)
    }
}

/// Serializes a latency as milliseconds; accepts milliseconds or a string such as `"200ms"`.
pub(super) mod latency_serde {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use serde_json::Value;

    pub fn serialize<S: Serializer>(
        value: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(latency) => {
                serializer.serialize_u64(latency.as_millis().try_into().unwrap_or(u64::MAX))
            }
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Duration>, D::Error> {
        let value = Value::deserialize(deserializer)?;
        super::latency_value(&value).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_keeps_missing_fields_and_null_clears() {
        let start = Faults {
            rate: Some(1000),
            corrupt: true,
            ..Faults::default()
        };
        let next = start
            .patched(br#"{"latency": "200ms", "drop_after": "1MB", "corrupt": null}"#)
            .unwrap();
        assert_eq!(next.rate, Some(1000));
        assert_eq!(next.latency, Some(Duration::from_millis(200)));
        assert_eq!(next.drop_after, Some(1_000_000));
        assert!(!next.corrupt);
        let cleared = next.patched(br#"{"rate": null, "latency": 50}"#).unwrap();
        assert_eq!(cleared.rate, None);
        assert_eq!(cleared.latency, Some(Duration::from_millis(50)));
    }

    #[test]
    fn bad_patches_name_the_field() {
        let faults = Faults::default();
        let cases: [(&[u8], &str); 9] = [
            (b"{", "not valid JSON"),
            (b"[1]", "JSON object"),
            (br#"{"latncy": 1}"#, "unknown fault `latncy`"),
            (br#"{"fail_rate": 1.5}"#, "`fail_rate`"),
            (br#"{"fail_rate": "x"}"#, "`fail_rate`"),
            (br#"{"rate": 0}"#, "`rate`"),
            (br#"{"rate": "fast"}"#, "`rate`"),
            (br#"{"drop_after": -1}"#, "`drop_after`"),
            (br#"{"corrupt": "yes"}"#, "`corrupt`"),
        ];
        for (body, expected) in cases {
            let error = faults.patched(body).unwrap_err().to_string();
            assert!(error.contains(expected), "{error:?} lacks {expected:?}");
        }
    }

    #[test]
    fn serde_round_trips_and_accepts_strings() {
        let faults: Faults =
            serde_json::from_str(r#"{"rate": "2MB", "latency": "1s", "ignore_range": true}"#)
                .unwrap();
        assert_eq!(faults.rate, Some(2_000_000));
        assert_eq!(faults.latency, Some(Duration::from_secs(1)));
        let json = serde_json::to_string(&faults).unwrap();
        assert!(json.contains(r#""latency":1000"#), "{json}");
        assert_eq!(serde_json::from_str::<Faults>(&json).unwrap(), faults);
        assert!(serde_json::from_str::<Faults>(r#"{"bogus": 1}"#).is_err());
    }
}
