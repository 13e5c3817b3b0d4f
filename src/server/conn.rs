//! The accept loop and each connection: plain TCP or TLS, then HTTP/1.1 with keep-alive
//! through hyper. Connections live in one `JoinSet`, so stopping the server aborts them all,
//! stalled ones included.
//!
//! Bounded against slow and numerous clients: a connection is accepted only with one of
//! `max_connections` permits (the others wait in the kernel's listen backlog until a connection
//! ends), the TLS handshake has [`HANDSHAKE_TIMEOUT`], and hyper closes a connection whose
//! request headers do not arrive whole within `header_read_timeout` (idle keep-alive
//! connections included).

use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::handler::handle;
use super::state::Shared;

/// How long a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts connections, at most `max_connections` open at once, until `stop` turns true; then
/// aborts every open connection.
pub async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    let cap = shared.limits.max_connections;
    let permits = Arc::new(Semaphore::new(cap));
    let mut full = false;
    loop {
        if permits.available_permits() == 0 && !full {
            tracing::warn!(
                max_connections = cap,
                "connection cap reached: new connections wait"
            );
        }
        full = permits.available_permits() == 0;
        let permit = tokio::select! {
            _ = stop.changed() => break,
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
        };
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let _ = stream.set_nodelay(true);
                    connections.spawn(connection(stream, tls.clone(), shared.clone(), permit));
                }
                Err(error) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}

/// Serves one connection, after the TLS handshake when serving HTTPS; its permit is given back
/// when it ends.
async fn connection(
    stream: TcpStream,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    _permit: OwnedSemaphorePermit,
) {
    match tls {
        None => serve_http(stream, shared).await,
        Some(acceptor) => {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(stream)) => serve_http(stream, shared).await,
                Ok(Err(error)) => tracing::debug!(%error, "TLS handshake failed"),
                Err(_) => tracing::debug!("TLS handshake timed out"),
            }
        }
    }
}

async fn serve_http<S>(stream: S, shared: Arc<Shared>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let header_read_timeout = shared.limits.header_read_timeout;
    let service = service_fn(move |request| handle(request, shared.clone()));
    if let Err(error) = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        .await
    {
        tracing::debug!(%error, "connection ended with an error");
    }
}
