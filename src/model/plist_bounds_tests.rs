//! Tests of the plist reader's bounds: nesting, the count of values, the size cap, malformed
//! event streams.

use super::*;

/// An XML plist whose root dictionary holds `body` under the key `k`.
fn xml(body: &str) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\
         <dict><key>k</key>{body}</dict></plist>"
    )
    .into_bytes()
}

fn nested(levels: usize) -> Vec<u8> {
    xml(&format!(
        "{}{}",
        "<array>".repeat(levels),
        "</array>".repeat(levels)
    ))
}

fn refusal(bytes: &[u8]) -> String {
    match parse_value("t.plist", bytes) {
        Err(InputError::Syntax { input, problem }) if input == "t.plist" => problem,
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn nesting_up_to_the_cap_is_read_and_one_level_more_is_refused() {
    // The root dictionary is level 1.
    let value = parse_value("t.plist", &nested(MAX_DEPTH - 1)).unwrap();
    let mut level = value.as_dictionary().unwrap().get("k").unwrap();
    for _ in 1..MAX_DEPTH - 1 {
        level = &level.as_array().unwrap()[0];
    }
    assert_eq!(level.as_array().map(Vec::len), Some(0));
    assert_eq!(
        refusal(&nested(MAX_DEPTH)),
        "nests arrays and dictionaries more than 32 levels deep, the most a property list may"
    );
}

#[test]
fn values_are_counted_keys_included() {
    // The root, its key and the array: 3 values, plus the items.
    let items = |n: usize| xml(&format!("<array>{}</array>", "<true/>".repeat(n)));
    parse_value("t.plist", &items(MAX_VALUES - 3)).unwrap();
    assert!(refusal(&items(MAX_VALUES - 2)).starts_with("expands to more than 100000 values"));
}

#[test]
fn a_plist_past_the_size_cap_is_refused_and_never_read_past_it() {
    let padded = |len: usize| {
        let mut bytes = xml("<true/>");
        bytes.resize(len, b' ');
        bytes
    };
    let cap = MAX_INFO_PLIST_BYTES as usize;
    parse_value("t.plist", &padded(cap)).unwrap();
    assert_eq!(
        refusal(&padded(cap + 1)),
        "is larger than the 1048576 bytes an Info.plist may have: it has 1048577"
    );
    assert_eq!(read_capped("t", &padded(cap)[..], None).unwrap().len(), cap);
    // A reader that never ends: refused after one byte past the cap.
    let endless = read_capped("/dev/zero", std::io::repeat(b' '), None).unwrap_err();
    assert_eq!(
        endless.to_string(),
        "/dev/zero: is larger than the 1048576 bytes an Info.plist may have"
    );
    // A declared length past the cap: refused without reading.
    let unread = read_capped("big.plist", std::io::empty(), Some(200 << 20)).unwrap_err();
    assert_eq!(
        unread.to_string(),
        "big.plist: is larger than the 1048576 bytes an Info.plist may have: it has 209715200"
    );
}

#[test]
fn malformed_event_streams_are_refused_not_built() {
    let mut builder = Builder::default();
    builder.add(Event::StartDictionary(None)).unwrap();
    let error = builder.add(Event::Boolean(true)).unwrap_err();
    assert!(error.contains("key is not a string"), "{error}");
    let mut builder = Builder::default();
    assert!(builder.add(Event::EndCollection).is_err());
    let mut builder = Builder::default();
    builder.add(Event::Boolean(true)).unwrap();
    assert!(builder.add(Event::Boolean(false)).is_err());
    let mut builder = Builder::default();
    builder.add(Event::StartArray(None)).unwrap();
    assert_eq!(
        builder.finish().unwrap_err(),
        "it ends inside an array or dictionary"
    );
    assert_eq!(Builder::default().finish().unwrap_err(), "it is empty");
}
