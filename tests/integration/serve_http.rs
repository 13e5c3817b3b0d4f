//! The mock server's HTTP behaviour without faults: GET and HEAD, every Range form, 416,
//! validators and conditional requests, content types, refused paths, TLS and a large file,
//! through an in-process server on 127.0.0.1 and reqwest (raw TCP where a URL library would
//! normalise the path).

use std::io::Read;
use std::time::Duration;

use bgassets::server::{Faults, ServeConfig, Server};
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};

use crate::support::alone::in_own_process;
use crate::support::serve::{Fixture, MEDIUM, client, raw_status};

fn text(headers: &HeaderMap, name: header::HeaderName) -> &str {
    headers
        .get(&name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_else(|| panic!("no {name} header"))
}

#[tokio::test]
async fn get_sends_the_file_with_validators() {
    let fixture = Fixture::new();
    let server = fixture.serve(Faults::default()).await;
    assert!(server.url().starts_with("http://127.0.0.1:") && server.url().ends_with('/'));
    let response = client()
        .get(server.url_of("packs/medium.zip"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    let etag = text(&headers, header::ETAG);
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() > 4,
        "{etag}"
    );
    httpdate::parse_http_date(text(&headers, header::LAST_MODIFIED)).unwrap();
    assert_eq!(text(&headers, header::ACCEPT_RANGES), "bytes");
    assert_eq!(text(&headers, header::CONTENT_LENGTH), MEDIUM.to_string());
    assert_eq!(text(&headers, header::CONTENT_TYPE), "application/zip");
    assert_eq!(
        response.bytes().await.unwrap(),
        fixture.read("packs/medium.zip")
    );
    assert_eq!(server.hits("packs/medium.zip"), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn head_has_the_headers_of_get_and_no_body() {
    let fixture = Fixture::new();
    let server = fixture.serve(Faults::default()).await;
    let url = server.url_of("packs/medium.zip");
    let get = client().get(&url).send().await.unwrap();
    let head = client().head(&url).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    for name in [
        header::ETAG,
        header::LAST_MODIFIED,
        header::CONTENT_LENGTH,
        header::CONTENT_TYPE,
        header::ACCEPT_RANGES,
    ] {
        assert_eq!(
            text(head.headers(), name.clone()),
            text(get.headers(), name)
        );
    }
    assert!(head.bytes().await.unwrap().is_empty());
    let records = server.requests();
    assert_eq!(records[1].method, "HEAD");
    assert_eq!(records[1].bytes_sent, 0);
}

#[tokio::test]
async fn every_range_form_gets_206_with_content_range() {
    let fixture = Fixture::new();
    let server = fixture.serve(Faults::default()).await;
    let data = fixture.read("packs/medium.zip");
    let len = data.len();
    let cases = [
        ("bytes=0-99", 0, 99),
        ("bytes=500000-", 500_000, len - 1),
        ("bytes=-1000", len - 1000, len - 1),
        ("bytes=-5000000", 0, len - 1),
        ("bytes=999990-2000000", 999_990, len - 1),
        ("bytes=7-7", 7, 7),
    ];
    for (range, start, end) in cases {
        let response = client()
            .get(server.url_of("packs/medium.zip"))
            .header(header::RANGE, range)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(
            text(response.headers(), header::CONTENT_RANGE),
            format!("bytes {start}-{end}/{len}"),
            "{range}"
        );
        assert_eq!(
            text(response.headers(), header::CONTENT_LENGTH),
            (end - start + 1).to_string()
        );
        assert_eq!(
            response.bytes().await.unwrap(),
            data[start..=end],
            "{range}"
        );
    }
    let logged: Vec<_> = server.requests().into_iter().map(|r| r.range).collect();
    assert_eq!(logged[0].as_deref(), Some("bytes=0-99"));
}

#[tokio::test]
async fn unsatisfiable_ranges_get_416_with_the_length() {
    let fixture = Fixture::new();
    let server = fixture.serve(Faults::default()).await;
    for (path, range) in [
        ("packs/medium.zip", "bytes=1000000-"),
        ("packs/medium.zip", "bytes=2000000-2000001"),
        ("packs/medium.zip", "bytes=-0"),
        ("packs/empty.zip", "bytes=0-"),
    ] {
        let response = client()
            .get(server.url_of(path))
            .header(header::RANGE, range)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::RANGE_NOT_SATISFIABLE,
            "{range}"
        );
        let len = fixture.read(path).len();
        assert_eq!(
            text(response.headers(), header::CONTENT_RANGE),
            format!("bytes */{len}")
        );
    }
}

#[tokio::test]
async fn malformed_and_multiple_ranges_get_the_whole_file() {
    let fixture = Fixture::new();
    let server = fixture.serve(Faults::default()).await;
    for range in [
        "bytes=0-1,5-6",
        "bytes=5-1",
        "bytes=abc",
        "lines=1-2",
        "bytes=99999999999999999999999999999-",
    ] {
        let response = client()
            .get(server.url_of("packs/small.zip"))
            .header(header::RANGE, range)
            .send()
            .await
            .unwrap();
        let expected = if range.starts_with("bytes=9999") {
            StatusCode::RANGE_NOT_SATISFIABLE
        } else {
            StatusCode::OK
        };
        assert_eq!(response.status(), expected, "{range}");
        if expected == StatusCode::OK {
            assert_eq!(
                response.bytes().await.unwrap(),
                fixture.read("packs/small.zip")
            );
        }
    }
}

#[tokio::test]
async fn if_range_matches_by_etag_or_date_and_mismatch_sends_everything() {
    let fixture = Fixture::new();
    let server = fixture.serve(Faults::default()).await;
    let url = server.url_of("packs/small.zip");
    let head = client().head(&url).send().await.unwrap();
    let etag = text(head.headers(), header::ETAG).to_string();
    let date = text(head.headers(), header::LAST_MODIFIED).to_string();
    let cases = [
        (etag.as_str(), StatusCode::PARTIAL_CONTENT),
        (date.as_str(), StatusCode::PARTIAL_CONTENT),
        ("\"something-else\"", StatusCode::OK),
        ("Mon, 01 Jan 2001 00:00:00 GMT", StatusCode::OK),
        ("not a validator", StatusCode::OK),
    ];
    for (validator, expected) in cases {
        let response = client()
            .get(&url)
            .header(header::RANGE, "bytes=100-")
            .header(header::IF_RANGE, validator)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), expected, "If-Range: {validator}");
        let body = response.bytes().await.unwrap();
        let data = fixture.read("packs/small.zip");
        let expected_body = if expected == StatusCode::OK {
            &data[..]
        } else {
            &data[100..]
        };
        assert_eq!(body, expected_body);
    }
    let weak = format!("W/{etag}");
    let response = client()
        .get(&url)
        .header(header::RANGE, "bytes=100-")
        .header(header::IF_RANGE, weak)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "weak tags never match If-Range"
    );
    assert_eq!(
        server.requests()[1].if_range.as_deref(),
        Some(etag.as_str())
    );
}

#[tokio::test]
async fn if_none_match_and_if_modified_since_give_304() {
    let fixture = Fixture::new();
    let server = fixture.serve(Faults::default()).await;
    let url = server.url_of("packs/small.zip");
    let head = client().head(&url).send().await.unwrap();
    let etag = text(head.headers(), header::ETAG).to_string();
    let date = text(head.headers(), header::LAST_MODIFIED).to_string();
    for (name, value, expected) in [
        (
            header::IF_NONE_MATCH,
            etag.clone(),
            StatusCode::NOT_MODIFIED,
        ),
        (
            header::IF_NONE_MATCH,
            "*".to_string(),
            StatusCode::NOT_MODIFIED,
        ),
        (
            header::IF_NONE_MATCH,
            format!("\"a\", W/{etag}"),
            StatusCode::NOT_MODIFIED,
        ),
        (
            header::IF_NONE_MATCH,
            "\"a\", \"b\"".to_string(),
            StatusCode::OK,
        ),
        (
            header::IF_MODIFIED_SINCE,
            date.clone(),
            StatusCode::NOT_MODIFIED,
        ),
        (
            header::IF_MODIFIED_SINCE,
            "Mon, 01 Jan 2001 00:00:00 GMT".to_string(),
            StatusCode::OK,
        ),
    ] {
        let response = client()
            .get(&url)
            .header(name.clone(), &value)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), expected, "{name}: {value}");
        if expected == StatusCode::NOT_MODIFIED {
            assert_eq!(text(response.headers(), header::ETAG), etag);
            assert!(response.bytes().await.unwrap().is_empty());
        }
    }
}

#[tokio::test]
async fn content_types_follow_the_extension() {
    let fixture = Fixture::new();
    let server = fixture.serve(Faults::default()).await;
    for (path, expected) in [
        ("manifest.json", "application/json"),
        ("packs/small.zip", "application/zip"),
        ("packs/data.bin", "application/octet-stream"),
    ] {
        let response = client().get(server.url_of(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(text(response.headers(), header::CONTENT_TYPE), expected);
    }
    assert_eq!(
        client()
            .get(server.manifest_url())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        r#"{"packs": []}"#
    );
}

#[tokio::test]
async fn empty_files_are_served() {
    let fixture = Fixture::new();
    let server = fixture.serve(Faults::default()).await;
    let response = client()
        .get(server.url_of("packs/empty.zip"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(text(response.headers(), header::CONTENT_LENGTH), "0");
    assert!(response.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn paths_outside_the_root_are_refused() {
    let fixture = Fixture::new();
    let server = fixture.serve(Faults::default()).await;
    let addr = server.local_addr();
    for path in [
        "/../secret.txt",
        "/packs/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/packs/..%2F..%2Fsecret.txt",
        "/..\\secret.txt",
        "/packs%5C..%5C..%5Csecret.txt",
        "/packs/%00small.zip",
        "/%zz",
    ] {
        assert_eq!(raw_status(addr, path).await, 400, "{path}");
    }
    let outside = fixture.dir.path().join("secret.txt");
    let absolute = format!("/{}", outside.display());
    for path in [absolute.as_str(), "//secret.txt", "/packs/escape.zip"] {
        assert_eq!(raw_status(addr, path).await, 404, "{path}");
    }
    // Nothing answered carried the secret.
    assert!(server.requests().iter().all(|record| record.status >= 400));
}

#[tokio::test]
async fn missing_files_directories_and_other_methods() {
    let fixture = Fixture::new();
    let server = fixture.serve(Faults::default()).await;
    for path in [
        "missing.zip",
        "packs/missing.zip",
        "packs",
        "packs/",
        "packs/sub",
        "",
    ] {
        let response = client().get(server.url_of(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "/{path}");
    }
    let response = client()
        .post(server.url_of("packs/small.zip"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(text(response.headers(), header::ALLOW), "GET, HEAD");
}

#[tokio::test]
async fn a_missing_root_is_a_clear_error() {
    let fixture = Fixture::new();
    let missing = fixture.dir.path().join("nope");
    let error = Server::start(ServeConfig::new(&missing)).await.unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains(&missing.display().to_string()),
        "{message}"
    );
    assert!(message.contains("no such directory"), "{message}");
    let file = fixture.root().join("manifest.json");
    let error = Server::start(ServeConfig::new(&file)).await.unwrap_err();
    assert!(error.to_string().contains("not a directory"), "{error}");
}

#[tokio::test]
async fn tls_is_trusted_through_the_written_certificate() {
    let fixture = Fixture::new();
    let cert_dir = fixture.dir.path().join("certs");
    let mut config = ServeConfig::new(fixture.root());
    config.tls = true;
    config.cert_dir = Some(cert_dir.clone());
    let server = Server::start(config).await.unwrap();
    assert!(server.url().starts_with("https://127.0.0.1:"));
    let cert_path = server.cert_pem_path().unwrap().to_path_buf();
    assert_eq!(cert_path, cert_dir.join("cert.pem"));
    assert_eq!(
        server.announcement().cert.as_deref(),
        Some(cert_path.as_path())
    );
    let pem = std::fs::read(&cert_path).unwrap();
    let trusted = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([reqwest::Certificate::from_pem(&pem).unwrap()])
        .build()
        .unwrap();
    let port = server.local_addr().port();
    for url in [
        server.url_of("packs/small.zip"),
        format!("https://localhost:{port}/packs/small.zip"),
    ] {
        let response = trusted.get(&url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        assert_eq!(
            response.bytes().await.unwrap(),
            fixture.read("packs/small.zip")
        );
    }
    // A client that does not trust the certificate is refused.
    let untrusting = reqwest::Client::builder().no_proxy().build().unwrap();
    assert!(untrusting.get(server.manifest_url()).send().await.is_err());
}

#[tokio::test]
async fn tls_without_a_cert_dir_uses_a_temporary_one_removed_at_shutdown() {
    let fixture = Fixture::new();
    let mut config = ServeConfig::new(fixture.root());
    config.tls = true;
    let server = Server::start(config).await.unwrap();
    let cert_path = server.cert_pem_path().unwrap().to_path_buf();
    assert!(cert_path.exists());
    assert_eq!(
        std::fs::read_to_string(&cert_path).unwrap(),
        server.cert_pem().unwrap()
    );
    server.shutdown().await;
    assert!(!cert_path.exists());
}

/// Streams a file larger than any buffer and checks it chunk by chunk against the file, and
/// that the process's peak memory did not grow with the file. It runs in a process of its
/// own, where no other test's memory counts.
#[tokio::test]
async fn a_large_file_streams_correctly_in_bounded_memory() {
    if !in_own_process(
        module_path!(),
        "a_large_file_streams_correctly_in_bounded_memory",
    ) {
        return;
    }
    const LEN: usize = 48 << 20;
    let fixture = Fixture::new();
    let path = fixture.root().join("packs/large.bin");
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&path).unwrap();
        for block in 0..(LEN >> 20) {
            file.write_all(&crate::support::random_bytes(1 << 20, block as u64))
                .unwrap();
        }
    }
    let server = fixture.serve(Faults::default()).await;
    let peak_before = peak_rss_kib();
    let mut response = client()
        .get(server.url_of("packs/large.bin"))
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut expected = std::fs::File::open(&path).unwrap();
    let mut received = 0usize;
    let mut buffer = Vec::new();
    while let Some(chunk) = response.chunk().await.unwrap() {
        buffer.resize(chunk.len(), 0);
        expected.read_exact(&mut buffer).unwrap();
        assert!(chunk == buffer, "bytes differ near offset {received}");
        received += chunk.len();
    }
    assert_eq!(received, LEN);
    if let (Some(before), Some(after)) = (peak_before, peak_rss_kib()) {
        let grown_mib = after.saturating_sub(before) / 1024;
        assert!(
            grown_mib < 24,
            "peak memory grew by {grown_mib} MiB for a 48 MiB file"
        );
    }
}

/// The peak resident set size of this process (Linux only).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
