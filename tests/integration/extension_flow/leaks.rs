//! Secrets an extension's answer must not carry elsewhere: the app's own headers (a bearer
//! token for its CDN) stay with their origin when the extension answers an `authChallenge`
//! with a fresh URL on another host.

use std::time::Duration;

use bgassets::manager::api::Request;
use bgassets::model::{DownloadIdentifier, DownloadSpec, Header};

use super::with_extension;
use crate::support::liar::{Answer, Body, Liar};
use crate::support::manager::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_apps_token_stays_with_its_origin_when_the_extension_answers_another_url() {
    let refusing = Liar::always(Answer::new(
        "403 Forbidden",
        &["Content-Length: 0".into()],
        Body::Bytes(vec![]),
    ))
    .await;
    let elsewhere = Liar::always(Answer::new(
        "200 OK",
        &[
            "Content-Length: 5".into(),
            "Content-Type: application/octet-stream".into(),
        ],
        Body::Bytes(b"bytes".to_vec()),
    ))
    .await;
    // The fresh URL is on another origin (another port): a signed URL on another CDN.
    let fresh = elsewhere.url_of("signed?sig=abc");
    let script = format!(
        "#!/bin/sh\nreq=$(cat)\ncase \"$req\" in\n  *'\"event\":\"authChallenge\"'*) echo \
         '{{\"url\": \"{fresh}\"}}' ;;\n  *'\"event\":\"shouldDownload\"'*) echo \
         '{{\"shouldDownload\": true}}' ;;\n  *'\"event\":\"contentRequest\"'*) echo \
         '{{\"downloads\": []}}' ;;\n  *) echo '{{}}' ;;\nesac\n"
    );
    let specs = [Spec::new("Maps", PREFETCH, 20_000)];
    let (_site, _data, manager, _plist) =
        with_extension(&specs, &script, Duration::from_secs(10)).await;
    let handle = manager.handle();
    let mut download = DownloadSpec::new(
        DownloadIdentifier::parse("token.bin").unwrap(),
        refusing.url_of("file").parse().unwrap(),
    );
    download.headers = vec![Header::new("Authorization", "Bearer app-s3cret").unwrap()];
    call_json(
        &handle,
        Request::ScheduleDownload {
            app: APP.into(),
            download: Box::new(download),
            lease: None,
        },
    )
    .await;
    until(&handle, "token.bin finished from the fresh URL", |d| {
        d.app(APP).is_some_and(|a| {
            a.downloads
                .iter()
                .any(|x| x.identifier == "token.bin" && x.state == "finished")
        })
    })
    .await;
    let at_origin = refusing.seen();
    assert!(
        at_origin
            .iter()
            .all(|h| h.header("authorization") == Some("Bearer app-s3cret")),
        "{at_origin:#?}"
    );
    let at_other = elsewhere.seen();
    assert!(!at_other.is_empty(), "the fresh URL was never tried");
    for head in &at_other {
        assert_eq!(
            head.header("authorization"),
            None,
            "the app's token for {} went to {}",
            refusing.url_of(""),
            elsewhere.url_of("")
        );
    }
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_urls_signature_never_shows_in_status() {
    let refusing = Liar::always(Answer::new(
        "403 Forbidden",
        &["Content-Length: 0".into()],
        Body::Bytes(vec![]),
    ))
    .await;
    let script = "#!/bin/sh\nreq=$(cat)\ncase \"$req\" in\n  *'\"event\":\"authChallenge\"'*) \
                  echo '{\"headers\": []}' ;;\n  *'\"event\":\"shouldDownload\"'*) echo \
                  '{\"shouldDownload\": true}' ;;\n  *'\"event\":\"contentRequest\"'*) echo \
                  '{\"downloads\": []}' ;;\n  *) echo '{}' ;;\nesac\n";
    let specs = [Spec::new("Maps", PREFETCH, 20_000)];
    let (_site, _data, manager, _plist) =
        with_extension(&specs, script, Duration::from_secs(10)).await;
    let handle = manager.handle();
    let signed = refusing.url_of("file?expires=4102444800&signature=5ec7e75ec7e7");
    let download = DownloadSpec::new(
        DownloadIdentifier::parse("signed.bin").unwrap(),
        signed.parse().unwrap(),
    );
    call_json(
        &handle,
        Request::ScheduleDownload {
            app: APP.into(),
            download: Box::new(download),
            lease: None,
        },
    )
    .await;
    let document = until(&handle, "signed.bin failed", |d| {
        d.app(APP).is_some_and(|a| {
            a.downloads
                .iter()
                .any(|x| x.identifier == "signed.bin" && x.state == "failed")
        })
    })
    .await;
    let shown = serde_json::to_string(&document).unwrap();
    assert!(
        !shown.contains("5ec7e75ec7e7"),
        "the signature shows in the status document"
    );
    manager.shutdown().await;
}
