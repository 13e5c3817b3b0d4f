//! Bounds on a property list before it is believed: how many bytes are read, how deep arrays and
//! dictionaries nest, and how many values and bytes of text it expands to.
//!
//! A binary plist names each object once and refers to it by number, so a 500-byte file whose
//! arrays refer to each other twenty levels deep expands to millions of values; the `plist`
//! crate follows every reference. A plist nested some tens of thousands of levels deep builds a
//! `Value` whose recursive drop overflows the stack and aborts the process. So the events of the
//! `plist` stream reader are counted as they arrive, and the `Value` is built from them, without
//! recursion, only while they stay under the caps:
//!
//! - [`MAX_INFO_PLIST_BYTES`]: the file (1 MiB), refused before it is read whole
//!   ([`read_capped`] reads at most one byte more);
//! - [`MAX_DEPTH`]: arrays and dictionaries inside each other (32 levels);
//! - [`MAX_VALUES`]: values, dictionary keys included, each reference counted again (100 000);
//! - [`MAX_TEXT_BYTES`]: bytes of strings, keys and data, each reference counted again (4 MiB).
//!
//! Every refusal is an [`InputError`] naming the input and the cap.

use std::io::{Cursor, Read};

use plist::stream::{Event, Reader};
use plist::{Dictionary, Value};

use super::InputError;

/// The largest Info.plist read, in bytes (1 MiB; real ones are a few KB).
pub const MAX_INFO_PLIST_BYTES: u64 = 1 << 20;
/// The deepest nesting of arrays and dictionaries (the root dictionary is level 1).
pub const MAX_DEPTH: usize = 32;
/// The most values a plist may expand to, keys included, each reference counted again.
pub const MAX_VALUES: usize = 100_000;
/// The most bytes of strings, keys and data a plist may expand to, each reference counted again.
pub const MAX_TEXT_BYTES: usize = 4 << 20;

/// Why [`read_capped`] read nothing usable.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The reader failed.
    #[error("cannot read {input}: {error}")]
    Io {
        /// The file or URL being read.
        input: String,
        /// The OS error.
        error: std::io::Error,
    },
    /// The input is larger than [`MAX_INFO_PLIST_BYTES`].
    #[error(transparent)]
    TooLarge(#[from] InputError),
}

/// Reads an Info.plist of at most [`MAX_INFO_PLIST_BYTES`] from `reader`; `input` names it.
///
/// `length` is the size the file system reports, if known: a larger one is refused without
/// reading a byte. Either way at most one byte beyond the cap is read, so a file that grows, a
/// pipe or a device that never ends is refused too.
pub fn read_capped(
    input: &str,
    reader: impl Read,
    length: Option<u64>,
) -> Result<Vec<u8>, ReadError> {
    if let Some(length) = length.filter(|&length| length > MAX_INFO_PLIST_BYTES) {
        return Err(too_large(input, Some(length)).into());
    }
    let mut bytes = Vec::new();
    reader
        .take(MAX_INFO_PLIST_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| ReadError::Io {
            input: input.to_string(),
            error,
        })?;
    if bytes.len() as u64 > MAX_INFO_PLIST_BYTES {
        return Err(too_large(input, None).into());
    }
    Ok(bytes)
}

fn too_large(input: &str, length: Option<u64>) -> InputError {
    let found = length.map_or(String::new(), |length| format!(": it has {length}"));
    InputError::syntax(
        input,
        format!("is larger than the {MAX_INFO_PLIST_BYTES} bytes an Info.plist may have{found}"),
    )
}

/// Parses a property list (XML, binary or ASCII) within the caps; `input` names it in errors.
pub fn parse_value(input: &str, bytes: &[u8]) -> Result<Value, InputError> {
    if bytes.len() as u64 > MAX_INFO_PLIST_BYTES {
        return Err(too_large(input, Some(bytes.len() as u64)));
    }
    let mut builder = Builder::default();
    for event in Reader::new(Cursor::new(bytes)) {
        let event =
            event.map_err(|e| InputError::syntax(input, format!("not a property list: {e}")))?;
        builder
            .add(event)
            .map_err(|problem| InputError::syntax(input, problem))?;
    }
    builder
        .finish()
        .map_err(|problem| InputError::syntax(input, format!("not a property list: {problem}")))
}

/// A collection being built: an array, or a dictionary and the key waiting for its value.
enum Open {
    Array(Vec<Value>),
    Dictionary(Dictionary, Option<String>),
}

/// Builds a `Value` from stream events with an explicit stack, counting against the caps.
#[derive(Default)]
struct Builder {
    stack: Vec<Open>,
    root: Option<Value>,
    values: usize,
    text_bytes: usize,
}

impl Builder {
    fn add(&mut self, event: Event<'_>) -> Result<(), String> {
        if !matches!(event, Event::EndCollection) {
            self.values += 1;
            if self.values > MAX_VALUES {
                return Err(format!(
                    "expands to more than {MAX_VALUES} values (each reference of a binary plist \
                     counted again), the most a property list may hold"
                ));
            }
        }
        match event {
            Event::StartArray(_) => self.open(Open::Array(Vec::new())),
            Event::StartDictionary(_) => self.open(Open::Dictionary(Dictionary::new(), None)),
            Event::EndCollection => self.close(),
            Event::String(text) => {
                self.count_text(text.len())?;
                self.value(Value::String(text.into_owned()))
            }
            Event::Data(data) => {
                self.count_text(data.len())?;
                self.value(Value::Data(data.into_owned()))
            }
            Event::Boolean(flag) => self.value(Value::Boolean(flag)),
            Event::Date(date) => self.value(Value::Date(date)),
            Event::Integer(number) => self.value(Value::Integer(number)),
            Event::Real(number) => self.value(Value::Real(number)),
            Event::Uid(uid) => self.value(Value::Uid(uid)),
            _ => Err("not a property list: it holds a kind of value bgassets does not know".into()),
        }
    }

    fn count_text(&mut self, len: usize) -> Result<(), String> {
        self.text_bytes = self.text_bytes.saturating_add(len);
        if self.text_bytes > MAX_TEXT_BYTES {
            return Err(format!(
                "expands to more than {MAX_TEXT_BYTES} bytes of strings and data (each reference \
                 of a binary plist counted again), the most a property list may hold"
            ));
        }
        Ok(())
    }

    fn open(&mut self, collection: Open) -> Result<(), String> {
        if matches!(self.stack.last(), Some(Open::Dictionary(_, None))) {
            return Err("not a property list: a dictionary key is not a string".into());
        }
        if self.root.is_some() {
            return Err("not a property list: it holds more than one root value".into());
        }
        self.stack.push(collection);
        if self.stack.len() > MAX_DEPTH {
            return Err(format!(
                "nests arrays and dictionaries more than {MAX_DEPTH} levels deep, the most a \
                 property list may"
            ));
        }
        Ok(())
    }

    fn close(&mut self) -> Result<(), String> {
        let value = match self.stack.pop() {
            Some(Open::Array(items)) => Value::Array(items),
            Some(Open::Dictionary(dict, None)) => Value::Dictionary(dict),
            Some(Open::Dictionary(_, Some(key))) => {
                return Err(format!(
                    "not a property list: the dictionary key `{key}` has no value"
                ));
            }
            None => return Err("not a property list: a collection ends that never began".into()),
        };
        self.value(value)
    }

    fn value(&mut self, value: Value) -> Result<(), String> {
        match self.stack.last_mut() {
            None if self.root.is_some() => {
                Err("not a property list: it holds more than one root value".into())
            }
            None => {
                self.root = Some(value);
                Ok(())
            }
            Some(Open::Array(items)) => {
                items.push(value);
                Ok(())
            }
            Some(Open::Dictionary(_, key @ None)) => match value {
                Value::String(text) => {
                    *key = Some(text);
                    Ok(())
                }
                _ => Err("not a property list: a dictionary key is not a string".into()),
            },
            Some(Open::Dictionary(dict, key @ Some(_))) => {
                if let Some(key) = key.take() {
                    dict.insert(key, value);
                }
                Ok(())
            }
        }
    }

    fn finish(self) -> Result<Value, String> {
        match (self.root, self.stack.is_empty()) {
            (Some(root), true) => Ok(root),
            (None, true) => Err("it is empty".into()),
            (_, false) => Err("it ends inside an array or dictionary".into()),
        }
    }
}

#[cfg(test)]
#[path = "plist_bounds_tests.rs"]
mod tests;
