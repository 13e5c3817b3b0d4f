//! `bgassets serve --require-token SECRET` (issue 14): every file but the root manifests and
//! the `--public` paths answers 403 with `WWW-Authenticate: Bearer` and a body naming why,
//! unless the request carries `Authorization: Bearer SECRET` or a signed URL that has not
//! expired; HEAD and Range obey it too. Against the real server in-process, and once as the
//! real `bgassets serve` binary (secret from `BGASSETS_SERVE_TOKEN`, URLs from `serve sign`),
//! whose log names every refusal and never holds the secret or a signature.

use std::time::{SystemTime, UNIX_EPOCH};

use bgassets::server::token::{Secret, sign};
use bgassets::server::{ServeConfig, Server, TokenGate};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, RANGE, WWW_AUTHENTICATE};
use url::Url;

use crate::support::serve::{Fixture, client};

mod binary;

const SECRET: &str = "t0ken-for-tests";

fn secret() -> Secret {
    Secret::new(SECRET).unwrap()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The fixture served in-process with `--require-token SECRET` and `--public` paths.
async fn serve(fixture: &Fixture, public: &[&str]) -> Server {
    let mut gate = TokenGate::new(secret());
    for path in public {
        gate = gate.with_public(path).unwrap();
    }
    let mut config = ServeConfig::new(fixture.root());
    config.token = Some(gate);
    Server::start(config).await.unwrap()
}

fn signed(server: &Server, path: &str, expires: u64) -> String {
    sign(
        &Url::parse(&server.url_of(path)).unwrap(),
        &secret(),
        expires,
    )
    .to_string()
}

/// Status, `WWW-Authenticate` and body of a GET with these headers.
async fn get(
    url: &str,
    headers: &[(reqwest::header::HeaderName, &str)],
) -> (StatusCode, String, Vec<u8>) {
    let mut request = client().get(url);
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let challenge = response
        .headers()
        .get(WWW_AUTHENTICATE)
        .map(|value| value.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, challenge, response.bytes().await.unwrap().to_vec())
}

fn text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).into_owned()
}

const BEARER: &str = "Bearer t0ken-for-tests";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_is_403_naming_why_existing_file_or_not() {
    let fixture = Fixture::new();
    let server = serve(&fixture, &[]).await;
    for path in ["packs/small.zip", "packs/no-such.zip", "packs/sub"] {
        let (status, challenge, body) = get(&server.url_of(path), &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(challenge, "Bearer realm=\"bgassets serve\"", "{path}");
        let body = text(&body);
        assert!(body.starts_with("no-token: "), "{path}: {body}");
        assert!(body.contains("Authorization: Bearer"), "{body}");
    }
    let records = server.requests();
    assert_eq!(records.len(), 3);
    for record in records {
        assert_eq!(
            (record.status, record.auth.as_deref()),
            (403, Some("no-token"))
        );
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bearer_token_gets_the_bytes_and_a_wrong_one_is_named() {
    let fixture = Fixture::new();
    let server = serve(&fixture, &[]).await;
    let url = server.url_of("packs/medium.zip");
    let (status, _, body) = get(&url, &[(AUTHORIZATION, BEARER)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, fixture.read("packs/medium.zip"));
    let (status, challenge, body) = get(&url, &[(AUTHORIZATION, "Bearer t0ken-for-test")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(text(&body).starts_with("wrong-token: "), "{}", text(&body));
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    let (status, _, body) = get(&url, &[(AUTHORIZATION, "Basic dDBrZW4=")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        text(&body).starts_with("bad-authorization: "),
        "{}",
        text(&body)
    );
    let auths: Vec<Option<String>> = server.requests().into_iter().map(|r| r.auth).collect();
    assert_eq!(
        auths,
        [
            Some("bearer"),
            Some("wrong-token"),
            Some("bad-authorization")
        ]
        .map(|a| a.map(String::from))
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_url_gets_the_bytes_until_it_expires() {
    let fixture = Fixture::new();
    let server = serve(&fixture, &[]).await;
    let fresh = signed(&server, "packs/small.zip", now() + 60);
    let (status, _, body) = get(&fresh, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, fixture.read("packs/small.zip"));
    let stale = signed(&server, "packs/small.zip", now() - 1);
    let (status, challenge, body) = get(&stale, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        text(&body).starts_with("expired: the signed URL expired at "),
        "{}",
        text(&body)
    );
    assert!(
        challenge.contains("error_description=\"expired\""),
        "{challenge}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_signed_urls_are_refused() {
    let fixture = Fixture::new();
    let server = serve(&fixture, &[]).await;
    let expires = now() + 60;
    let good = signed(&server, "packs/small.zip", expires);
    let other_path = good.replace("packs/small.zip", "packs/medium.zip");
    let later = good.replace(
        &format!("expires={expires}"),
        &format!("expires={}", expires + 3600),
    );
    let other_secret = sign(
        &Url::parse(&server.url_of("packs/small.zip")).unwrap(),
        &Secret::new("another-secret").unwrap(),
        expires,
    )
    .to_string();
    for url in [&other_path, &later, &other_secret] {
        let (status, _, body) = get(url, &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{url}");
        assert!(
            text(&body).starts_with("bad-signature: "),
            "{url}: {}",
            text(&body)
        );
    }
    let missing = good.split("&signature=").next().unwrap().to_string();
    let (status, _, body) = get(&missing, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(text(&body).starts_with("bad-query: "), "{}", text(&body));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn range_and_head_obey_the_token() {
    let fixture = Fixture::new();
    let server = serve(&fixture, &[]).await;
    let url = server.url_of("packs/medium.zip");
    let whole = fixture.read("packs/medium.zip");
    let (status, _, body) = get(&url, &[(AUTHORIZATION, BEARER), (RANGE, "bytes=1000-1999")]).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(body, whole[1000..2000]);
    let fresh = signed(&server, "packs/medium.zip", now() + 60);
    let (status, _, body) = get(&fresh, &[(RANGE, "bytes=-10")]).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(body, whole[whole.len() - 10..]);
    let (status, _, body) = get(&url, &[(RANGE, "bytes=1000-1999")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(text(&body).starts_with("no-token: "));
    let head = |authorized: bool| {
        let request = client().head(&url);
        let request = if authorized {
            request.header(AUTHORIZATION, BEARER)
        } else {
            request
        };
        async move { request.send().await.unwrap() }
    };
    let granted = head(true).await;
    assert_eq!(granted.status(), StatusCode::OK);
    assert_eq!(
        granted.headers()[CONTENT_LENGTH],
        whole.len().to_string().as_str()
    );
    let refused = head(false).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(
        refused.headers()[WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    assert!(
        refused.bytes().await.unwrap().is_empty(),
        "HEAD has no body"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_manifest_and_public_paths_need_no_token() {
    let fixture = Fixture::new();
    let server = serve(&fixture, &["packs/data.bin", "packs/sub/"]).await;
    std::fs::write(fixture.root().join("packs/sub/free.zip"), b"free").unwrap();
    for (path, bytes) in [
        ("manifest.json", fixture.read("manifest.json")),
        ("packs/data.bin", fixture.read("packs/data.bin")),
        ("packs/sub/free.zip", b"free".to_vec()),
    ] {
        let (status, _, body) = get(&server.url_of(path), &[]).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(body, bytes, "{path}");
    }
    let (status, _, _) = get(&server.url_of("packs/small.zip"), &[]).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the others still need the token"
    );
    assert_eq!(server.requests()[0].auth.as_deref(), Some("public"));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_require_token_every_file_is_served_and_auth_is_null() {
    let fixture = Fixture::new();
    let server = fixture.serve(Default::default()).await;
    let (status, _, _) = get(&server.url_of("packs/small.zip"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(server.requests()[0].auth, None);
    server.shutdown().await;
}
