//! Servers that lie, for what the mock server never does: small raw TCP servers on 127.0.0.1
//! (plain, or TLS with the mock server's self-signed certificate). Each reads a request head,
//! asks its script what to answer, writes exactly that (however wrong) and closes. Nothing here
//! is HTTP-correct on purpose; only the head parsing is careful, so that the lies are the
//! script's. The fault matrix and the engine's transport tests both use this one liar.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bgassets::server::tls::TlsSetup;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The most a request head may hold.
const MAX_HEAD: usize = 64 * 1024;
/// How long a liar keeps a connection it holds open (endless bodies, silence).
const HOLD: Duration = Duration::from_secs(30);

/// What a liar saw of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub method: String,
    pub path: String,
    /// The `Range` header, if any.
    pub range: Option<String>,
    /// Every header, as sent (name, trimmed value).
    pub headers: Vec<(String, String)>,
}

impl Head {
    /// The value of header `name` (any case), if it was sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first byte of a `Range: bytes=N-` header.
    pub fn range_start(&self) -> Option<u64> {
        self.range
            .as_deref()?
            .strip_prefix("bytes=")?
            .split('-')
            .next()?
            .parse()
            .ok()
    }
}

/// What to send back.
#[derive(Debug, Clone)]
pub enum Body {
    /// These bytes, then close.
    Bytes(Vec<u8>),
    /// These bytes as `Transfer-Encoding: chunked` chunks of `size`, then the last chunk; past
    /// `pace_after` bytes one chunk every 10 ms (so a watcher sees how far a client read).
    Chunked {
        body: Vec<u8>,
        size: usize,
        pace_after: usize,
    },
    /// `fast` bytes at once, then more at about 6 MB/s up to `cap` bytes in all, then silence
    /// with the connection held open (an "endless" body, capped so a test cannot fill the disk).
    Endless { fast: usize, cap: usize },
    /// `Transfer-Encoding: chunked` chunks of 64 KiB for as long as the client reads.
    EndlessChunks,
    /// Nothing at all, not even the head; the connection is held open.
    Silence,
}

/// One answer: the head's lines (status line first; the blank line is added) and the body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub head: Vec<String>,
    pub body: Body,
}

impl Answer {
    /// `HTTP/1.1 {status}` with `headers` and `Connection: close`.
    pub fn new(status: &str, headers: &[String], body: Body) -> Self {
        let mut head = vec![format!("HTTP/1.1 {status}")];
        head.extend(headers.iter().cloned());
        head.push("Connection: close".into());
        Answer { head, body }
    }

    /// `200 OK`, the body chunked in 64 KiB chunks, no `Content-Length`.
    pub fn chunked(body: Vec<u8>) -> Self {
        let body = Body::Chunked {
            body,
            size: 64 << 10,
            pace_after: usize::MAX,
        };
        Self::new("200 OK", &chunked_headers(), body)
    }

    /// `200 OK` with a chunked body that never ends (until the client goes away).
    pub fn endless_chunks() -> Self {
        Self::new("200 OK", &chunked_headers(), Body::EndlessChunks)
    }

    /// A `302` redirect to `location`.
    pub fn redirect(location: &str) -> Self {
        let headers = [format!("Location: {location}"), "Content-Length: 0".into()];
        Self::new("302 Found", &headers, Body::Bytes(Vec::new()))
    }
}

fn chunked_headers() -> [String; 2] {
    [
        "Content-Type: application/zip".into(),
        "Transfer-Encoding: chunked".into(),
    ]
}

type Script = dyn Fn(&Head, usize) -> Answer + Send + Sync;

/// A running liar; stops when dropped.
pub struct Liar {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Head>>>,
    task: JoinHandle<()>,
    tls: Option<TlsSetup>,
}

impl Liar {
    /// Starts a liar answering request number `n` (from 0) with `script(head, n)`.
    pub async fn start(script: impl Fn(&Head, usize) -> Answer + Send + Sync + 'static) -> Liar {
        Self::serve(Arc::new(script), None).await
    }

    /// Starts a liar that answers every request with `answer`.
    pub async fn always(answer: Answer) -> Liar {
        Self::start(move |_, _| answer.clone()).await
    }

    /// An HTTPS liar answering every request with `answer`, with a fresh self-signed
    /// certificate (trust [`Liar::cert`]).
    pub async fn always_tls(answer: Answer) -> Liar {
        // No cert dir: the served-root check does not apply.
        let tls = bgassets::server::tls::setup(None, std::path::Path::new("/")).unwrap();
        Self::serve(Arc::new(move |_: &Head, _| answer.clone()), Some(tls)).await
    }

    async fn serve(script: Arc<Script>, tls: Option<TlsSetup>) -> Liar {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let acceptor = tls.as_ref().map(|tls| tls.acceptor.clone());
        let task = tokio::spawn(accept(listener, acceptor, script, seen.clone()));
        Liar {
            addr,
            seen,
            task,
            tls,
        }
    }

    /// `http://127.0.0.1:PORT/PATH` (`https` for a TLS liar).
    pub fn url_of(&self, path: &str) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let path = path.trim_start_matches('/');
        format!("{scheme}://{}/{path}", self.addr)
    }

    /// The certificate to trust for a TLS liar.
    pub fn cert(&self) -> std::path::PathBuf {
        let tls = self.tls.as_ref().expect("a TLS liar");
        tls.cert_path.clone()
    }

    /// Every request head seen so far.
    pub fn seen(&self) -> Vec<Head> {
        self.seen
            .lock()
            .map(|seen| seen.clone())
            .unwrap_or_default()
    }
}

impl Drop for Liar {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept(
    listener: TcpListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    script: Arc<Script>,
    seen: Arc<Mutex<Vec<Head>>>,
) {
    let mut connections = tokio::task::JoinSet::new();
    while let Ok((stream, _)) = listener.accept().await {
        let (script, seen) = (script.clone(), seen.clone());
        match acceptor.clone() {
            Some(acceptor) => connections.spawn(async move {
                if let Ok(stream) = acceptor.accept(stream).await {
                    answer(stream, script, seen).await;
                }
            }),
            None => connections.spawn(answer(stream, script, seen)),
        };
    }
}

async fn answer<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    script: Arc<Script>,
    seen: Arc<Mutex<Vec<Head>>>,
) {
    let Some(head) = read_head(&mut stream).await else {
        return;
    };
    let number = {
        let Ok(mut seen) = seen.lock() else { return };
        seen.push(head.clone());
        seen.len() - 1
    };
    let answer = script(&head, number);
    let mut bytes = answer.head.join("\r\n").into_bytes();
    bytes.extend_from_slice(b"\r\n\r\n");
    // Write errors mean the client went away: that is its right, and the end of the story.
    match answer.body {
        Body::Bytes(body) => {
            bytes.extend_from_slice(&body);
            let _ = stream.write_all(&bytes).await;
        }
        Body::Chunked {
            body,
            size,
            pace_after,
        } => {
            let mut sent = 0;
            for chunk in body.chunks(size.max(1)) {
                bytes.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                bytes.extend_from_slice(chunk);
                bytes.extend_from_slice(b"\r\n");
                sent += chunk.len();
                if sent > pace_after {
                    if stream.write_all(&bytes).await.is_err() {
                        return;
                    }
                    bytes.clear();
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
            bytes.extend_from_slice(b"0\r\n\r\n");
            let _ = stream.write_all(&bytes).await;
        }
        Body::Endless { fast, cap } => {
            bytes.extend(std::iter::repeat_n(0x5a, fast));
            if stream.write_all(&bytes).await.is_ok() {
                let mut sent = fast;
                let slice = vec![0xa5; 64 * 1024];
                while sent < cap && stream.write_all(&slice).await.is_ok() {
                    sent += slice.len();
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                hold(&mut stream).await;
            }
        }
        Body::EndlessChunks => {
            let size = format!("{:x}\r\n", 64 << 10);
            let chunk = [size.as_bytes(), &[0x5a; 64 << 10], b"\r\n"].concat();
            let mut open = stream.write_all(&bytes).await.is_ok();
            while open {
                open = stream.write_all(&chunk).await.is_ok();
            }
        }
        Body::Silence => hold(&mut stream).await,
    }
    let _ = stream.shutdown().await;
}

/// Keeps the connection until the client closes it (or [`HOLD`] passes).
async fn hold<S: AsyncRead + Unpin>(stream: &mut S) {
    let mut buffer = [0u8; 1024];
    let _ = tokio::time::timeout(HOLD, async {
        while let Ok(n) = stream.read(&mut buffer).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
}

/// Reads one request head; `None` when the client closed or sent too much.
async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> Option<Head> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") {
        let n = stream.read(&mut buffer).await.ok()?;
        if n == 0 || head.len() + n > MAX_HEAD {
            return None;
        }
        head.extend_from_slice(&buffer[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    let mut lines = text.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_string();
    let path = request_line.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.trim().to_string(), value.trim().to_string()))
        })
        .collect();
    let range = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("range"))
        .map(|(_, value)| value.clone());
    Some(Head {
        method,
        path,
        range,
        headers,
    })
}
