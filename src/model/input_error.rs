//! The one error type for bad input: it names the input (a file path or URL), the field (a path
//! such as `assetPacks[2].downloadSize`) and what was expected, so a person can fix it at once.

use std::fmt;

/// A manifest, plist or other input that could not be read or did not validate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// The bytes are not the expected syntax at all (not JSON, not a property list).
    #[error("{input}: {problem}")]
    Syntax {
        /// The file or URL the input came from.
        input: String,
        /// What the parser found wrong, and where.
        problem: String,
    },
    /// The syntax is fine but one field is missing, of the wrong type or out of range.
    #[error("{input}: field `{field}`: {problem}")]
    Field {
        /// The file or URL the input came from.
        input: String,
        /// The field's path (`assetPacks[2].url`).
        field: String,
        /// What is wrong with it.
        problem: String,
    },
}

impl InputError {
    /// A syntax error in `input`.
    pub fn syntax(input: impl fmt::Display, problem: impl fmt::Display) -> Self {
        Self::Syntax {
            input: input.to_string(),
            problem: problem.to_string(),
        }
    }

    /// A problem with `field` of `input`.
    pub fn field(
        input: impl fmt::Display,
        field: impl fmt::Display,
        problem: impl fmt::Display,
    ) -> Self {
        Self::Field {
            input: input.to_string(),
            field: field.to_string(),
            problem: problem.to_string(),
        }
    }

    /// The input (path or URL) this error is about.
    pub fn input(&self) -> &str {
        match self {
            Self::Syntax { input, .. } | Self::Field { input, .. } => input,
        }
    }
}

/// Deserializes JSON text into a serde mirror type, reporting the failing field's path.
///
/// `input` names the document in errors. Comments and trailing commas are accepted (see
/// [`crate::model::jsonc`]); wrong types, missing fields and bad syntax are reported precisely.
/// `objects` lists the places that must be JSON objects (`""` for the root, `"assetPacks[]"` for
/// every element of an array): serde would otherwise accept an array in place of a struct.
pub fn from_json<T: serde::de::DeserializeOwned>(
    input: &str,
    text: &str,
    objects: &[&str],
) -> Result<T, InputError> {
    let cleaned = super::jsonc::strip(text);
    let value: serde_json::Value = serde_json::from_str(&cleaned)
        .map_err(|error| InputError::syntax(input, format!("not valid JSON: {error}")))?;
    for place in objects {
        require_objects(input, &value, place)?;
    }
    let mut deserializer = serde_json::Deserializer::from_str(&cleaned);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let message = inner.to_string();
        if let Some(missing) = missing_field(&message) {
            let field = if path == "." {
                missing.to_string()
            } else {
                format!("{path}.{missing}")
            };
            InputError::field(input, field, "is missing")
        } else if path == "." {
            InputError::syntax(input, message)
        } else {
            InputError::field(input, path, message)
        }
    })
}

/// The field named by serde's "missing field `x`" message.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// Checks that `place` (`""`, `"key"` or `"key[]"`) of `value` holds JSON objects.
fn require_objects(input: &str, value: &serde_json::Value, place: &str) -> Result<(), InputError> {
    let kind = |v: &serde_json::Value| match v {
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Null => "null",
        serde_json::Value::Object(_) => "an object",
    };
    if place.is_empty() {
        return match value {
            serde_json::Value::Object(_) => Ok(()),
            other => Err(InputError::syntax(
                input,
                format!("expected a JSON object, found {}", kind(other)),
            )),
        };
    }
    let (key, each) = match place.strip_suffix("[]") {
        Some(key) => (key, true),
        None => (place, false),
    };
    let Some(found) = value.get(key) else {
        return Ok(()); // missing fields are reported by the typed parse
    };
    let items: Vec<(String, &serde_json::Value)> = match (each, found) {
        (true, serde_json::Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| (format!("{key}[{i}]"), item))
            .collect(),
        (true, _) => return Ok(()), // not an array: the typed parse says so
        (false, item) => vec![(key.to_string(), item)],
    };
    for (field, item) in items {
        if !item.is_object() {
            return Err(InputError::field(
                input,
                field,
                format!("expected an object, found {}", kind(item)),
            ));
        }
    }
    Ok(())
}
