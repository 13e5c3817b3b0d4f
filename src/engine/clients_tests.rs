//! Tests of the engine's HTTP clients (`engine::clients`).

use super::*;

#[tokio::test]
async fn plain_http_never_builds_the_https_client() {
    let mut clients = Clients::new(&EngineConfig::default()).unwrap();
    // Whatever proxy the test's environment names: the client plain HTTP takes without one.
    let plain = builder(Duration::from_secs(5)).tls_certs_only(std::iter::empty());
    clients.plain = Some(plain.build().unwrap());
    let url: Url = "http://127.0.0.1:1/a.zip".parse().unwrap();
    assert!(clients.for_url(&url).await.is_ok());
    clients.warm(&url);
    assert!(clients.secure.get().is_none(), "no certificate store read");
    let secure: Url = "https://127.0.0.1:1/a.zip".parse().unwrap();
    assert!(clients.for_url(&secure).await.is_ok());
    assert!(clients.secure.get().is_some());
}

#[test]
fn a_missing_certificate_is_refused_at_start() {
    let config = EngineConfig {
        extra_root_certificates: vec!["/nonexistent/ca.pem".into()],
        ..EngineConfig::default()
    };
    let error = Clients::new(&config).unwrap_err();
    assert!(error.to_string().contains("/nonexistent/ca.pem"), "{error}");
}

/// The regression this guards (found in review): the PEM is parsed only when a client is
/// built, so once the HTTPS client was built lazily a broken `--cacert` went unnoticed until
/// the first HTTPS download.
#[test]
fn a_broken_certificate_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ca.pem");
    std::fs::write(
        &path,
        "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let config = EngineConfig {
        extra_root_certificates: vec![path.clone()],
        ..EngineConfig::default()
    };
    let error = Clients::new(&config).unwrap_err();
    assert!(error.to_string().contains("ca.pem"), "{error}");
}

#[test]
fn a_certificate_file_with_no_certificate_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key.pem");
    std::fs::write(
        &path,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let config = EngineConfig {
        extra_root_certificates: vec![path],
        ..EngineConfig::default()
    };
    let error = Clients::new(&config).unwrap_err();
    assert!(error.to_string().contains("no PEM certificate"), "{error}");
}

#[test]
fn only_an_https_proxy_sends_plain_http_through_tls() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    };
    assert!(!https_proxy(env(&[])));
    assert!(!https_proxy(env(&[("HTTP_PROXY", "http://proxy:3128")])));
    assert!(https_proxy(env(&[("http_proxy", "HTTPS://proxy:3128")])));
    assert!(https_proxy(env(&[("ALL_PROXY", " https://proxy")])));
    assert!(!https_proxy(env(&[("all_proxy", "socks5://proxy")])));
}
