//! Slow and numerous clients: half a header, a trickled header, an idle keep-alive connection
//! and a control body that never arrives are all cut off after the header timeout; connections
//! over the cap wait for a slot, and a flood over the cap is served without the server falling
//! over.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bgassets::server::{ConnLimits, Faults, ServeConfig, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::serve::{Fixture, client};

/// A server of `fixture` with `limits`.
async fn limited(fixture: &Fixture, limits: ConnLimits) -> Server {
    let mut config = ServeConfig::new(fixture.root());
    config.limits = limits;
    Server::start(config).await.unwrap()
}

fn limits(header_read_timeout: Duration, max_connections: usize) -> ConnLimits {
    ConnLimits {
        header_read_timeout,
        max_connections,
    }
}

/// Reads until the server closes `stream` (EOF or reset); returns what it sent and when.
async fn closed_by_server(stream: &mut TcpStream, within: Duration) -> (Vec<u8>, Instant) {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let read = async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    };
    tokio::time::timeout(within, read)
        .await
        .unwrap_or_else(|_| panic!("the server kept the connection open for {within:?}"));
    (received, Instant::now())
}

const HALF_HEADER: &[u8] = b"GET /packs/small.zip HTTP/1.1\r\nHost: test\r\nX-Slow: ";

#[tokio::test]
async fn a_client_sending_half_a_header_is_disconnected() {
    let fixture = Fixture::new();
    let timeout = Duration::from_millis(500);
    let server = limited(&fixture, limits(timeout, 16)).await;
    let addr = server.local_addr();

    // Half a header, then silence.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let started = Instant::now();
    stream.write_all(HALF_HEADER).await.unwrap();
    let (received, closed) = closed_by_server(&mut stream, Duration::from_secs(5)).await;
    assert!(
        closed - started >= timeout - Duration::from_millis(50),
        "{:?}",
        closed - started
    );
    assert!(
        !String::from_utf8_lossy(&received).contains(" 200 "),
        "answered a half request"
    );

    // Trickled: a byte every 100 ms keeps the socket busy but the header never completes.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let started = Instant::now();
    let trickle = async {
        let mut buffer = [0u8; 1024];
        for byte in HALF_HEADER.iter().cycle() {
            if stream.write_all(&[*byte]).await.is_err() {
                return Instant::now();
            }
            match tokio::time::timeout(Duration::from_millis(100), stream.read(&mut buffer)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return Instant::now(),
                _ => {}
            }
        }
        Instant::now()
    };
    let closed = tokio::time::timeout(Duration::from_secs(5), trickle)
        .await
        .expect("a trickling client was never disconnected");
    assert!(
        closed - started >= timeout - Duration::from_millis(50),
        "{:?}",
        closed - started
    );

    // An idle keep-alive connection after a whole exchange is closed too.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"HEAD /packs/small.zip HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let (received, _) = closed_by_server(&mut stream, Duration::from_secs(5)).await;
    assert!(String::from_utf8_lossy(&received).starts_with("HTTP/1.1 200"));

    // A client that sends its request in time is served as usual.
    let response = client()
        .get(server.url_of("packs/small.zip"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.bytes().await.unwrap().len(),
        crate::support::serve::SMALL
    );
}

#[tokio::test]
async fn a_control_body_that_never_arrives_is_cut_off() {
    let fixture = Fixture::new();
    let server = limited(&fixture, limits(Duration::from_millis(500), 16)).await;
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    stream
        .write_all(
            b"PUT /_bgassets/faults HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n{\"corr",
        )
        .await
        .unwrap();
    let (received, _) = closed_by_server(&mut stream, Duration::from_secs(5)).await;
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("the body did not arrive within"), "{text}");
    assert_eq!(server.faults(), Faults::default());
}

/// Opens `count` connections that send half a header and hold on.
async fn hold(addr: SocketAddr, count: usize) -> Vec<TcpStream> {
    let mut held = Vec::new();
    for _ in 0..count {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(HALF_HEADER).await.unwrap();
        held.push(stream);
    }
    held
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_a_slot_frees() {
    let fixture = Fixture::new();
    let timeout = Duration::from_millis(1500);
    let server = limited(&fixture, limits(timeout, 2)).await;
    let addr = server.local_addr();
    let started = Instant::now();
    let _held = hold(addr, 2).await;

    let mut third = TcpStream::connect(addr).await.unwrap();
    third
        .write_all(b"GET /manifest.json HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut first_byte = [0u8; 1];
    let early = tokio::time::timeout(Duration::from_millis(300), third.read(&mut first_byte)).await;
    assert!(
        early.is_err(),
        "a third connection was served over a cap of 2"
    );

    let (received, answered) = closed_by_server(&mut third, Duration::from_secs(10)).await;
    assert!(
        String::from_utf8_lossy(&received).starts_with("HTTP/1.1 200"),
        "{received:?}"
    );
    assert!(answered - started >= timeout - Duration::from_millis(100));
}

#[tokio::test]
async fn a_flood_over_the_cap_is_served_without_the_server_falling_over() {
    let fixture = Fixture::new();
    let server = limited(&fixture, limits(Duration::from_secs(1), 4)).await;
    let addr = server.local_addr();
    let _held = hold(addr, 8).await;
    let client = client();
    let mut flood = tokio::task::JoinSet::new();
    for _ in 0..64 {
        let (client, url) = (client.clone(), server.url_of("packs/small.zip"));
        flood.spawn(async move {
            let response = client.get(url).send().await?;
            let status = response.status().as_u16();
            Ok::<_, reqwest::Error>((status, response.bytes().await?.len()))
        });
    }
    let all = tokio::time::timeout(Duration::from_secs(30), flood.join_all())
        .await
        .expect("the flood was served within 30 s");
    for result in all {
        assert_eq!(result.unwrap(), (200, crate::support::serve::SMALL));
    }
    let after = client.get(server.manifest_url()).send().await.unwrap();
    assert_eq!(after.status(), 200);
}
