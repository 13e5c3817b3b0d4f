//! Mirrors and the app's rules (issue 16 review): a mirror that redirects to a host outside the
//! allow list is refused before anything is sent there and left for the next origin, and the
//! app's headers (a bearer token) reach neither a mirror nor where it redirects.

use bgassets::engine::DownloadState;
use bgassets::model::{DomainPattern, Header};
use bgassets::server::Faults;

use crate::support::engine::{self, Site};
use crate::support::liar::{Answer, Body, Liar};

const SIZE: usize = 300_000;

#[tokio::test]
async fn a_mirror_redirecting_outside_the_allow_list_is_left_for_the_next_without_the_token() {
    let good = Site::start(&[("a.bin", SIZE)], Faults::default()).await;
    // The same bytes on `localhost`, which the allow list (127.0.0.1 only) does not name.
    let forbidden = Site::start(&[("a.bin", SIZE)], Faults::default()).await;
    let outside = forbidden
        .server
        .url_of("a.bin")
        .replace("127.0.0.1", "localhost");
    let failing = Liar::always(Answer::new(
        "503 Service Unavailable",
        &["Content-Length: 0".into()],
        Body::Bytes(Vec::new()),
    ))
    .await;
    let redirecting = Liar::always(Answer::redirect(&outside)).await;
    let engine_ = engine::engine(&good.state_file(), engine::limits(1, None));
    let handle = engine_.handle();
    let mut request = good.request("a.bin");
    request.url = url::Url::parse(&failing.url_of("a.bin")).unwrap();
    request.mirrors = vec![
        url::Url::parse(&redirecting.url_of("a.bin")).unwrap(),
        url::Url::parse(&good.server.url_of("a.bin")).unwrap(),
    ];
    request.allowed_hosts = vec![DomainPattern::parse("127.0.0.1").unwrap()];
    request.headers = vec![Header::new("Authorization", "Bearer s3cret").unwrap()];
    handle.enqueue(request).await.unwrap();
    let download = engine::done(&handle, "a.bin").await;
    assert_eq!(
        download.state,
        DownloadState::Finished,
        "{:?}",
        download.last_error
    );
    assert_eq!(download.origin, 2, "it ends on the last origin");
    assert!(std::fs::read(good.out("a.bin")).unwrap() == good.bytes("a.bin"));
    assert!(
        forbidden.server.requests().is_empty(),
        "nothing sent to the host outside the allow list"
    );
    let primary = failing.seen();
    assert!(
        primary
            .iter()
            .all(|h| h.header("authorization") == Some("Bearer s3cret")),
        "the primary URL gets the app's headers: {primary:?}"
    );
    let mirror = redirecting.seen();
    assert!(!mirror.is_empty(), "the mirror was tried");
    assert!(
        mirror.iter().all(|h| h.header("authorization").is_none()),
        "no token to a mirror: {mirror:?}"
    );
    engine_.shutdown().await;
}

#[tokio::test]
async fn a_download_failed_for_good_stays_on_the_origin_its_error_names() {
    // Both origins answer 404 (not transient): the URL, then the mirror (fresh), then it fails.
    let site = Site::start(&[("a.bin", SIZE)], Faults::default()).await;
    let missing = Site::start(&[("other.bin", SIZE)], Faults::default()).await;
    let engine_ = engine::engine(&site.state_file(), engine::limits(1, None));
    let handle = engine_.handle();
    let mut request = site.request("a.bin");
    request.url = url::Url::parse(&missing.server.url_of("a.bin")).unwrap();
    let mirror = site.server.url_of("gone.bin");
    request.mirrors = vec![url::Url::parse(&mirror).unwrap()];
    handle.enqueue(request).await.unwrap();
    let download = engine::done(&handle, "a.bin").await;
    let DownloadState::Failed { error } = &download.state else {
        panic!("two missing files end failed: {:?}", download.state);
    };
    assert!(error.message.contains(&mirror), "{error:?}");
    assert_eq!(
        download.origin, 1,
        "the download says it is on the mirror its error is about, not on an origin it did \
         not try again"
    );
    assert_eq!(download.url().as_str(), mirror);
    engine_.shutdown().await;
}
