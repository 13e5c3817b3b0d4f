//! The published status document, encoded once: every controller asking `status` between two
//! publications gets the same JSON text, so fifty clients polling a 2,000-pack document cost one
//! encoding per publication (at most ten a second), not one per request.

use std::sync::{Arc, Mutex, Weak};

use crate::manager::view::StatusDocument;

/// The last document encoded and its JSON.
static LAST: Mutex<Option<(Weak<StatusDocument>, Arc<String>)>> = Mutex::new(None);

/// `document` as JSON text. A document shared with the manager (its published snapshot) is
/// encoded once and the text reused while it is the one published; a document of this request's
/// own (filtered for an app) is encoded for it alone.
pub fn status_json(document: &Arc<StatusDocument>) -> serde_json::Result<Arc<String>> {
    if Arc::strong_count(document) == 1 {
        return encode(document, 0);
    }
    let mut last = LAST
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((weak, text)) = last.as_ref()
        && weak.upgrade().is_some_and(|d| Arc::ptr_eq(&d, document))
    {
        return Ok(text.clone());
    }
    // Sized from the last encoding: a document of megabytes grows into its buffer once, not by
    // doubling (which holds the old and the new copy at once).
    let hint = last
        .as_ref()
        .map_or(0, |(_, text)| text.len() + text.len() / 8);
    let text = encode(document, hint)?;
    *last = Some((Arc::downgrade(document), text.clone()));
    Ok(text)
}

/// `document` as JSON text, written into a buffer of `hint` bytes to start with.
fn encode(document: &StatusDocument, hint: usize) -> serde_json::Result<Arc<String>> {
    let mut buffer = Vec::with_capacity(hint);
    serde_json::to_writer(&mut buffer, document)?;
    // serde_json writes UTF-8 only.
    String::from_utf8(buffer)
        .map(Arc::new)
        .map_err(|e| serde::ser::Error::custom(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Limits;

    #[test]
    fn a_shared_document_is_encoded_once_and_a_new_one_again() {
        let first = Arc::new(StatusDocument::empty(Limits::default()));
        let held = first.clone();
        let a = status_json(&first).unwrap();
        let b = status_json(&held).unwrap();
        assert!(Arc::ptr_eq(&a, &b), "the same publication reuses its text");
        assert_eq!(*a, serde_json::to_string(&*first).unwrap());
        let mut changed = StatusDocument::empty(Limits::default());
        changed.languages = vec!["fr".into()];
        let second = Arc::new(changed);
        let _kept = second.clone();
        let c = status_json(&second).unwrap();
        assert!(c.contains("\"fr\""), "{c}");
    }

    #[test]
    fn an_encoded_status_line_reads_back_as_the_plain_one() {
        use crate::ipc::reply::{ResponseLine, ServerMessage};
        use crate::manager::api::Response;
        let document = Arc::new(StatusDocument::empty(Limits::default()));
        let _published = document.clone();
        let id = serde_json::json!(7);
        let encoded = ServerMessage::Response(ResponseLine::answer(
            id.clone(),
            Ok(Response::Status(document.clone())),
        ));
        let (head, text) = encoded.encoded_parts().unwrap();
        let written = format!("{head}{text}}}");
        assert_eq!(written, encoded.to_line());
        let plain = ResponseLine::success(id, serde_json::to_value(&*document).unwrap());
        assert_eq!(
            ServerMessage::parse(&written).unwrap(),
            ServerMessage::Response(plain)
        );
    }
}
