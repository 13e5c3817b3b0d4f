use super::*;
use serde_json::json;

fn spec(value: serde_json::Value) -> Result<DownloadSpec, String> {
    serde_json::from_value(value).map_err(|e| e.to_string())
}

#[test]
fn identifiers_that_could_leave_the_container_are_refused() {
    for bad in [
        "", ".", "..", "../x", "a/b", "a\\b", ".hidden", "CON", "nul", "a b", "é",
    ] {
        assert!(DownloadIdentifier::parse(bad).is_err(), "{bad:?} accepted");
    }
    let long = "a".repeat(MAX_IDENTIFIER_LEN + 1);
    assert!(DownloadIdentifier::parse(&long).is_err());
    for good in ["config", "config.json", "level_2-hd", "a..b"] {
        assert_eq!(DownloadIdentifier::parse(good).unwrap().as_str(), good);
    }
}

#[test]
fn a_full_request_reads_from_json_and_writes_back_the_same() {
    let value = json!({
        "identifier": "config",
        "url": "https://cdn.example.com/config.json",
        "headers": [{"name": "Authorization", "value": "Bearer abc"}],
        "essential": true,
        "expectedSize": 1234,
        "sha256": "00".repeat(32),
        "priority": -5,
    });
    let read = spec(value.clone()).unwrap();
    assert_eq!(read.identifier.as_str(), "config");
    assert_eq!(read.headers[0].value, "Bearer abc");
    assert_eq!(serde_json::to_value(&read).unwrap(), value);
}

#[test]
fn hostile_requests_are_refused_naming_the_problem() {
    let base = || json!({"identifier": "x", "url": "https://h/x"});
    let with = |key: &str, v: serde_json::Value| {
        let mut b = base();
        b[key] = v;
        spec(b).unwrap_err()
    };
    assert!(with("url", json!("file:///etc/passwd")).contains("not an http"));
    assert!(with("priority", json!(1_i64 << 40)).contains("between -100 and 100"));
    assert!(with("identifier", json!("../x")).contains("contains '/'"));
    assert!(with("headers", json!([{"name": "Range", "value": "bytes=0-"}])).contains("set by"));
    assert!(with("headers", json!([{"name": "X", "value": "a\r\nB: c"}])).contains("visible"));
    assert!(with("headers", json!([{"name": "a b", "value": "c"}])).contains("not a valid"));
    let many: Vec<_> = (0..=MAX_HEADERS)
        .map(|_| json!({"name": "X", "value": "v"}))
        .collect();
    assert!(with("headers", json!(many)).contains("at most 32"));
    let big = "v".repeat(MAX_HEADER_BYTES);
    assert!(with("headers", json!([{"name": "X", "value": big}])).contains("bytes of headers"));
    assert!(with("expectedSize", json!(-1)).contains("invalid"));
    assert!(with("surprise", json!(1)).contains("unknown field"));
}
