//! Helpers shared by the mock-server tests: fixture directories with real files, an
//! in-process server, a reqwest client that never uses a proxy, raw HTTP for requests that
//! URL libraries would normalise (and over TLS).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use bgassets::server::{Faults, ServeConfig, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub use super::random_bytes;

/// Sizes of the fixture files.
pub const SMALL: usize = 100_000;
pub const MEDIUM: usize = 1_000_000;

/// A temporary directory laid out as `bgassets pack index` leaves it, plus odd entries:
///
/// - `manifest.json`, `packs/small.zip` (100 kB), `packs/medium.zip` (1 MB), `packs/data.bin`,
///   `packs/empty.zip` (0 bytes), the folder `packs/sub/`;
/// - `secret.txt` beside the served folder (must never be served) and, on Unix,
///   `packs/escape.zip`, a symlink to it.
pub struct Fixture {
    /// Holds everything; the served root is `root()`.
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("packs/sub")).expect("mkdir");
        std::fs::write(root.join("manifest.json"), br#"{"packs": []}"#).expect("manifest");
        std::fs::write(root.join("packs/small.zip"), random_bytes(SMALL, 1)).expect("small");
        std::fs::write(root.join("packs/medium.zip"), random_bytes(MEDIUM, 2)).expect("medium");
        std::fs::write(root.join("packs/data.bin"), random_bytes(1000, 3)).expect("data");
        std::fs::write(root.join("packs/empty.zip"), b"").expect("empty");
        std::fs::write(dir.path().join("secret.txt"), b"top secret").expect("secret");
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("packs/escape.zip"))
            .expect("symlink");
        Fixture { dir }
    }

    /// The served directory.
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    /// The bytes of a file under the root.
    pub fn read(&self, path: &str) -> Vec<u8> {
        std::fs::read(self.root().join(path)).expect("fixture file")
    }

    /// Starts an in-process server of this fixture with `faults`.
    pub async fn serve(&self, faults: Faults) -> Server {
        let mut config = ServeConfig::new(self.root());
        config.faults = faults;
        Server::start(config).await.expect("server starts")
    }
}

/// A client that ignores proxy settings from the environment.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

/// Sends `request` as is over TCP and returns the whole answer as text (`Connection: close`).
pub async fn raw_request(addr: SocketAddr, request: &str) -> String {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream.write_all(request.as_bytes()).await?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await?;
        Ok::<_, std::io::Error>(answer)
    };
    match tokio::time::timeout(Duration::from_secs(10), exchange).await {
        Ok(Ok(answer)) => String::from_utf8_lossy(&answer).into_owned(),
        Ok(Err(error)) => panic!("raw request to {addr} failed: {error}"),
        Err(_) => panic!("raw request to {addr} timed out"),
    }
}

/// The status code of a raw `GET path` (sent exactly as given).
pub async fn raw_status(addr: SocketAddr, path: &str) -> u16 {
    let answer = raw_request(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"),
    )
    .await;
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status for {path:?} in {answer:?}"))
}

/// Sends `request` as is over TLS (trusting `cert_pem`, the server's self-signed certificate)
/// and returns the whole answer (`Connection: close`).
pub async fn raw_tls_request(addr: SocketAddr, cert_pem: &str, request: &[u8]) -> Vec<u8> {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
    use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};
    let mut roots = RootCertStore::empty();
    let certificate = CertificateDer::from_pem_slice(cert_pem.as_bytes()).expect("PEM");
    roots.add(certificate).expect("trusted certificate");
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let exchange = async {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        let name = ServerName::try_from("localhost").expect("server name");
        let mut stream = connector.connect(name, stream).await?;
        stream.write_all(request).await?;
        let mut answer = Vec::new();
        match stream.read_to_end(&mut answer).await {
            // A server that closes without close_notify still sent a whole answer.
            Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => {}
            other => {
                other?;
            }
        }
        Ok::<_, std::io::Error>(answer)
    };
    match tokio::time::timeout(Duration::from_secs(10), exchange).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(error)) => panic!("TLS request to {addr} failed: {error}"),
        Err(_) => panic!("TLS request to {addr} timed out"),
    }
}

/// The status code and body of a raw HTTP/1.1 answer (with `Content-Length`).
pub fn status_and_body(answer: &[u8]) -> (u16, Vec<u8>) {
    let text = String::from_utf8_lossy(answer);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text:?}"));
    let body = answer
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .map(|end| answer[end + 4..].to_vec())
        .unwrap_or_default();
    (status, body)
}
