//! The fault matrix against servers that lie about lengths, ranges, content and redirects, or
//! send without end (see [`super::liar`]).

use bgassets::model::ErrorKind;

use super::harness::*;

use crate::support::liar::{Answer, Body, Head, Liar};

const N: usize = PACK;

/// Downloads from a liar answering with `script`; returns what it saw.
async fn liar(
    case: &str,
    expect: Expect,
    script: impl Fn(&Head, usize) -> Answer + Send + Sync + 'static,
) -> Vec<Head> {
    let server = Liar::start(script).await;
    let place = Place::new();
    let observed = download(
        &place,
        request(&place, &server.url_of("pack.bin")),
        Vec::new(),
    )
    .await;
    report(case, "liar", expect, &observed);
    server.seen()
}

fn pack_with(extra: usize) -> Vec<u8> {
    let mut bytes = pack_bytes();
    bytes.extend(std::iter::repeat_n(0x33, extra));
    bytes
}

fn headers(list: &[&str]) -> Vec<String> {
    list.iter().map(|header| header.to_string()).collect()
}

#[tokio::test]
async fn l01_content_length_short_of_the_bytes_sent() {
    let case = "`Content-Length` 1 MB, 1 MB + 64 KiB sent";
    liar(case, Expect::Finished, |_, _| {
        let length = format!("Content-Length: {N}");
        Answer::new(
            "200 OK",
            &headers(&[&length]),
            Body::Bytes(pack_with(64 << 10)),
        )
    })
    .await;
}

#[tokio::test]
async fn l02_content_length_below_the_declared_size() {
    let case = "`Content-Length` 1000 below the declared size";
    liar(case, Expect::Failed(ErrorKind::SizeMismatch), |_, _| {
        let length = format!("Content-Length: {}", N - 1000);
        Answer::new("200 OK", &headers(&[&length]), Body::Bytes(pack_with(0)))
    })
    .await;
}

#[tokio::test]
async fn l03_content_length_above_the_declared_size() {
    let case = "`Content-Length` 1000 above the declared size";
    liar(case, Expect::Failed(ErrorKind::SizeMismatch), |_, _| {
        let length = format!("Content-Length: {}", N + 1000);
        Answer::new("200 OK", &headers(&[&length]), Body::Bytes(pack_with(1000)))
    })
    .await;
}

#[tokio::test]
async fn l04_content_length_long_body_cut() {
    let case = "`Content-Length` 1 MB, half sent, every time";
    liar(case, Expect::Failed(ErrorKind::Network), |_, _| {
        let length = format!("Content-Length: {N}");
        let half = pack_bytes()[..N / 2].to_vec();
        Answer::new(
            "200 OK",
            &headers(&[&length, "ETag: \"v1\""]),
            Body::Bytes(half),
        )
    })
    .await;
}

#[tokio::test]
async fn l05_content_range_from_another_byte() {
    let case = "`Content-Range` starting at 0 for a resume";
    let seen = liar(case, Expect::Failed(ErrorKind::Network), |head, _| {
        let length = format!("Content-Length: {N}");
        match head.range_start() {
            None => {
                let half = pack_bytes()[..N / 2].to_vec();
                Answer::new(
                    "200 OK",
                    &headers(&[&length, "ETag: \"v1\""]),
                    Body::Bytes(half),
                )
            }
            Some(_) => {
                let range = format!("Content-Range: bytes 0-{}/{N}", N - 1);
                let list = headers(&[&length, &range, "ETag: \"v1\""]);
                Answer::new("206 Partial Content", &list, Body::Bytes(pack_bytes()))
            }
        }
    })
    .await;
    assert!(
        seen.iter()
            .any(|head| head.range_start() == Some((N / 2) as u64))
    );
}

#[tokio::test]
async fn l06_content_range_with_another_total() {
    let case = "`Content-Range` total twice the declared size";
    liar(case, Expect::Failed(ErrorKind::SizeMismatch), |head, _| {
        let half = pack_bytes()[..N / 2].to_vec();
        match head.range_start() {
            None => {
                let length = format!("Content-Length: {N}");
                Answer::new(
                    "200 OK",
                    &headers(&[&length, "ETag: \"v1\""]),
                    Body::Bytes(half),
                )
            }
            Some(start) => {
                let range = format!("Content-Range: bytes {start}-{}/{}", 2 * N - 1, 2 * N);
                let length = format!("Content-Length: {}", 2 * N - start as usize);
                let body = vec![0x44; 2 * N - start as usize];
                let list = headers(&[&length, &range, "ETag: \"v1\""]);
                Answer::new("206 Partial Content", &list, Body::Bytes(body))
            }
        }
    })
    .await;
}

#[tokio::test]
async fn l07_html_page_with_200() {
    let case = "an HTML page with `200`";
    liar(case, Expect::Failed(ErrorKind::Network), |_, _| {
        let page = b"<html><body>Please log in to the Wi-Fi</body></html>".to_vec();
        let length = format!("Content-Length: {}", page.len());
        let list = headers(&[&length, "Content-Type: text/html; charset=utf-8"]);
        Answer::new("200 OK", &list, Body::Bytes(page))
    })
    .await;
}

#[tokio::test]
async fn l08_redirect_loop() {
    let case = "a redirect loop (`302` to itself)";
    let seen = liar(
        case,
        Expect::Failed(ErrorKind::DownloadInvalid),
        |head, _| {
            let location = format!("Location: {}", head.path);
            let list = headers(&[&location, "Content-Length: 0"]);
            Answer::new("302 Found", &list, Body::Bytes(Vec::new()))
        },
    )
    .await;
    assert_eq!(seen.len(), 11, "the first request and 10 redirects");
}

#[tokio::test]
async fn l09_endless_body() {
    let case = "an endless body (no length, 8 MB before the test's cap)";
    liar(case, Expect::Failed(ErrorKind::SizeMismatch), |_, _| {
        let body = Body::Endless {
            fast: N,
            cap: 8 * N,
        };
        Answer::new("200 OK", &headers(&["Content-Type: application/zip"]), body)
    })
    .await;
}

#[tokio::test]
async fn l10_chunked_without_length() {
    let case = "chunked, no length, the right bytes";
    liar(case, Expect::Finished, |_, _| {
        let list = headers(&["Transfer-Encoding: chunked"]);
        Answer::new(
            "200 OK",
            &list,
            Body::Chunked {
                body: pack_bytes(),
                size: 16 << 10,
                pace_after: usize::MAX,
            },
        )
    })
    .await;
}

#[tokio::test]
async fn l11_chunked_past_the_declared_size() {
    let case = "chunked, no length, 4 MB";
    liar(case, Expect::Failed(ErrorKind::SizeMismatch), |_, _| {
        let list = headers(&["Transfer-Encoding: chunked"]);
        Answer::new(
            "200 OK",
            &list,
            Body::Chunked {
                body: pack_with(3 * N),
                size: 64 << 10,
                pace_after: N,
            },
        )
    })
    .await;
}

#[tokio::test]
async fn l12_no_answer() {
    let case = "no answer at all (headers never come)";
    liar(case, Expect::Failed(ErrorKind::Timeout), |_, _| {
        Answer::new("200 OK", &[], Body::Silence)
    })
    .await;
}
