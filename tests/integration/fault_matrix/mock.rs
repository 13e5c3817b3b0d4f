//! The fault matrix against the project's mock server: every fault it has, a missing file, a
//! reserved path, and TLS with its certificate trusted or not.

use bgassets::model::ErrorKind;
use bgassets::server::{Faults, ServeConfig, Server};

use super::harness::*;

use crate::support::faults::FaultsExt;

/// Downloads `path` from a mock server with `faults` and reports the row.
async fn mock(case: &str, faults: Faults, path: &str, expect: Expect) {
    let (_site, root) = site();
    let mut config = ServeConfig::new(&root);
    config.faults = faults;
    let server = Server::start(config).await.expect("mock server");
    let place = Place::new();
    let observed = download(&place, request(&place, &server.url_of(path)), Vec::new()).await;
    report(case, "mock server", expect, &observed);
    server.shutdown().await;
}

#[tokio::test]
async fn m01_no_fault() {
    mock("no fault", Faults::default(), "pack.bin", Expect::Finished).await;
}

#[tokio::test]
async fn m02_latency() {
    let faults = Faults::default().latency(std::time::Duration::from_millis(300));
    mock("`latency` 300 ms", faults, "pack.bin", Expect::Finished).await;
}

#[tokio::test]
async fn m03_latency_past_the_header_timeout() {
    let faults = Faults::default().latency(std::time::Duration::from_secs(3));
    let expect = Expect::Failed(ErrorKind::Timeout);
    mock(
        "`latency` 3 s (engine waits 2 s)",
        faults,
        "pack.bin",
        expect,
    )
    .await;
}

#[tokio::test]
async fn m04_rate() {
    let faults = Faults::default().rate(4_000_000);
    mock("`rate` 4 MB/s", faults, "pack.bin", Expect::Finished).await;
}

#[tokio::test]
async fn m05_fail_rate_always() {
    let faults = Faults::default().fail_rate(1.0).retry_after(0);
    let expect = Expect::Failed(ErrorKind::HttpStatus);
    mock(
        "`fail_rate` 1 (every request 503)",
        faults,
        "pack.bin",
        expect,
    )
    .await;
}

#[tokio::test]
async fn m06_fail_rate_sometimes() {
    let faults = Faults::default().fail_rate(0.5).retry_after(0).seed(5);
    mock(
        "`fail_rate` 0.5, seed 5 (2 failures, then success)",
        faults,
        "pack.bin",
        Expect::Finished,
    )
    .await;
}

#[tokio::test]
async fn m07_drop_after() {
    let faults = Faults::default().drop_after(400_000);
    mock(
        "`drop_after` 400 KB (3 connections)",
        faults,
        "pack.bin",
        Expect::Finished,
    )
    .await;
}

#[tokio::test]
async fn m08_drop_after_more_often_than_the_attempt_budget() {
    let faults = Faults::default().drop_after(100_000);
    let case = "`drop_after` 100 KB (10 connections, 4 attempts allowed)";
    mock(case, faults, "pack.bin", Expect::Finished).await;
}

#[tokio::test]
async fn m09_stall_after() {
    let faults = Faults::default().stall_after(300_000);
    mock("`stall_after` 300 KB", faults, "pack.bin", Expect::Finished).await;
}

#[tokio::test]
async fn m10_ignore_range() {
    let faults = Faults::default().ignore_range();
    mock("`ignore_range`", faults, "pack.bin", Expect::Finished).await;
}

#[tokio::test]
async fn m11_ignore_range_with_drops() {
    let faults = Faults::default().ignore_range().drop_after(400_000);
    let expect = Expect::Failed(ErrorKind::Network);
    mock(
        "`ignore_range` + `drop_after` 400 KB",
        faults,
        "pack.bin",
        expect,
    )
    .await;
}

#[tokio::test]
async fn m12_change_etag() {
    let faults = Faults::default().change_etag();
    mock("`change_etag`", faults, "pack.bin", Expect::Finished).await;
}

#[tokio::test]
async fn m13_change_etag_with_drops() {
    let faults = Faults::default().change_etag().drop_after(400_000);
    let expect = Expect::Failed(ErrorKind::Network);
    mock(
        "`change_etag` + `drop_after` 400 KB",
        faults,
        "pack.bin",
        expect,
    )
    .await;
}

#[tokio::test]
async fn m14_corrupt() {
    let faults = Faults::default().corrupt();
    let expect = Expect::Failed(ErrorKind::ChecksumMismatch);
    mock("`corrupt`", faults, "pack.bin", expect).await;
}

#[tokio::test]
async fn m15_missing_file() {
    let expect = Expect::Failed(ErrorKind::HttpStatus);
    mock("missing file (404)", Faults::default(), "nope.bin", expect).await;
}

#[tokio::test]
async fn m16_reserved_spelling() {
    let expect = Expect::Failed(ErrorKind::HttpStatus);
    mock(
        "`/%5Fbgassets/faults` (404)",
        Faults::default(),
        "%5Fbgassets/faults",
        expect,
    )
    .await;
}

/// The mock server over TLS, its certificate trusted or not.
async fn mock_tls(case: &str, trusted: bool, expect: Expect) {
    let (_site, root) = site();
    let mut config = ServeConfig::new(&root);
    config.tls = true;
    let server = Server::start(config).await.expect("mock server");
    let place = Place::new();
    let certificates = match trusted {
        true => vec![server.cert_pem_path().expect("cert").to_path_buf()],
        false => Vec::new(),
    };
    let observed = download(
        &place,
        request(&place, &server.url_of("pack.bin")),
        certificates,
    )
    .await;
    report(case, "mock server `--tls`", expect, &observed);
    if !trusted {
        assert!(server.requests().is_empty(), "a request got through");
        let message = observed.message.to_ascii_lowercase();
        assert!(message.contains("certificate"), "{message}");
    }
}

#[tokio::test]
async fn m17_tls_trusted() {
    mock_tls("TLS, certificate trusted", true, Expect::Finished).await;
}

#[tokio::test]
async fn m18_tls_untrusted_certificate() {
    let expect = Expect::Failed(ErrorKind::Network);
    mock_tls("TLS, self-signed certificate not trusted", false, expect).await;
}
