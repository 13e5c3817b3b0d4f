//! An app's headers (a bearer token) go with every request of its download to the download's
//! own origin, and never to another host a redirect leads to. Servers that record what they
//! were sent (`support::liar`) stand in for the CDN.

use bgassets::server::Faults;

use super::{Room, spec, subscribe, until_status};
use crate::support::liar::{Answer, Body, Liar};

#[tokio::test]
async fn headers_reach_the_downloads_own_origin_and_never_another_host() {
    let elsewhere = Liar::always(Answer::new(
        "200 OK",
        &[
            "Content-Length: 5".into(),
            "Content-Type: application/octet-stream".into(),
        ],
        Body::Bytes(b"bytes".to_vec()),
    ))
    .await;
    // The other host, named `localhost` rather than 127.0.0.1: another origin.
    let other = elsewhere.url_of("file").replace("127.0.0.1", "localhost");
    let origin = Liar::start(move |head, _| match head.path.as_str() {
        "/hop" => Answer::redirect("/file"),
        "/file" => Answer::redirect(&other),
        _ => Answer::new(
            "404 Not Found",
            &["Content-Length: 0".into()],
            Body::Bytes(vec![]),
        ),
    })
    .await;
    let allow = "<key>BAInitialDownloadRestrictions</key><dict>\
        <key>BADownloadDomainAllowList</key>\
        <array><string>127.0.0.1</string><string>localhost</string></array></dict>";
    let room = Room::start(Faults::default(), allow).await;
    let app = room.app().await;
    let mut events = subscribe(&app).await;
    let mut download = spec("token.bin", &origin.url_of("hop"));
    download.headers = vec![
        bgassets::model::Header::new("Authorization", "Bearer s3cret").unwrap(),
        bgassets::model::Header::new("X-App-Build", "42").unwrap(),
    ];
    app.schedule_download(download).await.unwrap();
    until_status(&mut events, "token.bin", "finished").await;

    let at_origin = origin.seen();
    assert_eq!(at_origin.len(), 2, "{at_origin:#?}");
    for head in &at_origin {
        assert_eq!(
            head.header("authorization"),
            Some("Bearer s3cret"),
            "{head:?}"
        );
        assert_eq!(head.header("x-app-build"), Some("42"), "{head:?}");
    }
    let at_other = elsewhere.seen();
    assert_eq!(at_other.len(), 1, "{at_other:#?}");
    assert_eq!(
        at_other[0].header("authorization"),
        None,
        "the token stays with its origin"
    );
    assert_eq!(at_other[0].header("x-app-build"), None);
    let placed = room.container().join("Background Downloads/token.bin");
    assert_eq!(std::fs::read(placed).unwrap(), b"bytes");

    // The engine's queue, which keeps the token, is readable by its owner only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for path in [room.paths.downloads_file(), room.paths.state_file()] {
            let wait = std::time::Duration::from_secs(10);
            crate::support::wait::wait_until_async("the state saved", wait, || path.exists()).await;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", path.display());
        }
    }
}
