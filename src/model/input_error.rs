//! The one error type for bad input: it names the input (a file path or URL), the field (a path
//! such as `assetPacks[2].downloadSize`) and what was expected, so a person can fix it at once.

use std::fmt;

/// A manifest, plist or other input that could not be read or did not validate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// The bytes are not the expected syntax at all (not JSON, not a property list).
    #[error("{input}: {problem}")]
    Syntax { input: String, problem: String },
    /// The syntax is fine but one field is missing, of the wrong type or out of range.
    #[error("{input}: field `{field}`: {problem}")]
    Field {
        input: String,
        field: String,
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
pub fn from_json<T: serde::de::DeserializeOwned>(input: &str, text: &str) -> Result<T, InputError> {
    let cleaned = super::jsonc::strip(text);
    let mut deserializer = serde_json::Deserializer::from_str(&cleaned);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_syntax() || inner.is_eof() || inner.is_io() {
            InputError::syntax(input, format!("not valid JSON: {inner}"))
        } else if path == "." {
            InputError::syntax(input, describe_serde_problem(&inner))
        } else {
            InputError::field(input, path, describe_serde_problem(&inner))
        }
    })?;
    deserializer
        .end()
        .map_err(|error| InputError::syntax(input, format!("not valid JSON: {error}")))?;
    Ok(value)
}

/// serde_json appends " at line L column C" to data errors; keep it, it helps find the field.
fn describe_serde_problem(error: &serde_json::Error) -> String {
    error.to_string()
}
