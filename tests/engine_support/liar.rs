//! A server that lies, for what the mock server never does: a small raw HTTP/1.1 server on
//! 127.0.0.1 (optionally TLS with the mock server's self-signed certificate) that answers every
//! request with one canned answer, and records the request heads it was sent.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// What the liar answers.
#[derive(Debug, Clone)]
pub enum Answer {
    /// These bytes, verbatim: a status line, headers and a body.
    Raw(Vec<u8>),
    /// `200` with a chunked body of `body`, no `Content-Length`.
    Chunked(Vec<u8>),
    /// `200` with a chunked body that never ends (until the client goes away).
    Endless,
}

impl Answer {
    /// A redirect to `location`.
    pub fn redirect(location: &str) -> Self {
        Self::Raw(
            format!(
                "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\
                 Connection: close\r\n\r\n"
            )
            .into_bytes(),
        )
    }
}

/// A running liar; dropping it stops it.
pub struct Liar {
    pub url: String,
    heads: Arc<Mutex<Vec<String>>>,
    /// Body bytes handed to connections, all answers together.
    sent: Arc<Mutex<u64>>,
    task: JoinHandle<()>,
    _tls: Option<bgassets::server::tls::TlsSetup>,
}

impl Drop for Liar {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Liar {
    /// A plain-HTTP liar.
    pub async fn start(answer: Answer) -> Self {
        Self::serve(answer, None).await
    }

    /// An HTTPS liar with a fresh self-signed certificate (trust [`Liar::cert`]).
    pub async fn start_tls(answer: Answer) -> Self {
        // No cert dir: the served-root check does not apply.
        let tls = bgassets::server::tls::setup(None, std::path::Path::new("/")).unwrap();
        Self::serve(answer, Some(tls)).await
    }

    async fn serve(answer: Answer, tls: Option<bgassets::server::tls::TlsSetup>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let heads = Arc::new(Mutex::new(Vec::new()));
        let sent = Arc::new(Mutex::new(0));
        let acceptor = tls.as_ref().map(|t| t.acceptor.clone());
        let (task_heads, task_sent) = (heads.clone(), sent.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (answer, heads, sent) = (answer.clone(), task_heads.clone(), task_sent.clone());
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    match acceptor {
                        Some(acceptor) => {
                            if let Ok(stream) = acceptor.accept(stream).await {
                                answer_one(stream, &answer, &heads, &sent).await;
                            }
                        }
                        None => answer_one(stream, &answer, &heads, &sent).await,
                    }
                });
            }
        });
        Self {
            url: format!("{scheme}://127.0.0.1:{port}/pack.zip"),
            heads,
            sent,
            task,
            _tls: tls,
        }
    }

    /// The certificate to trust for a TLS liar.
    pub fn cert(&self) -> std::path::PathBuf {
        self._tls.as_ref().unwrap().cert_path.clone()
    }

    /// The request heads received so far.
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }

    /// Body bytes handed to connections so far.
    pub fn sent(&self) -> u64 {
        *self.sent.lock().unwrap()
    }
}

async fn answer_one<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    answer: &Answer,
    heads: &Mutex<Vec<String>>,
    sent: &Mutex<u64>,
) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    heads
        .lock()
        .unwrap()
        .push(String::from_utf8_lossy(&head).into_owned());
    let chunked_head = b"HTTP/1.1 200 OK\r\nContent-Type: application/zip\r\n\
                         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    let _ = match answer {
        Answer::Raw(bytes) => stream.write_all(bytes).await,
        Answer::Chunked(body) => {
            let mut out = chunked_head.to_vec();
            for piece in body.chunks(64 * 1024) {
                out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
                out.extend_from_slice(piece);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\n\r\n");
            *sent.lock().unwrap() += body.len() as u64;
            stream.write_all(&out).await
        }
        Answer::Endless => {
            if stream.write_all(chunked_head).await.is_err() {
                return;
            }
            let piece = vec![0x5a; 64 * 1024];
            loop {
                let mut out = format!("{:x}\r\n", piece.len()).into_bytes();
                out.extend_from_slice(&piece);
                out.extend_from_slice(b"\r\n");
                if stream.write_all(&out).await.is_err() {
                    return;
                }
                *sent.lock().unwrap() += piece.len() as u64;
            }
        }
    };
    let _ = stream.shutdown().await;
}
