//! nginx as a third-party server for the engine's tests: a real nginx (installed by
//! `scripts/setup`) started as a child process on `127.0.0.1` with a port the system chose, its
//! configuration, pid file, temporary paths and logs all in a temporary directory, serving a
//! given root; stopped when dropped. The access log is written one JSON object a line (with the
//! `Range` and `If-Range` request headers and the status), so tests can assert how a download
//! resumed.
//!
//! nginx runs as a single process (`master_process off`, `daemon off`): it never switches user,
//! so it reads the test's private temporary directory whether the tests run as root or not, and
//! killing the child stops all of nginx.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::support::wait::try_wait_for;

/// How long nginx may take to start answering.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// Ports tried before giving up (another process may take the chosen port first).
const PORT_ATTEMPTS: usize = 8;

/// One line of the access log.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AccessRecord {
    pub method: String,
    /// The request target as sent, with its query.
    pub uri: String,
    /// The `Range` header; empty when absent.
    pub range: String,
    /// The `If-Range` header; empty when absent.
    pub if_range: String,
    pub status: u16,
    /// Body bytes sent (fewer than asked when the client went away).
    pub bytes: u64,
    /// When the response ended, in seconds since the Unix epoch (millisecond resolution).
    #[serde(default)]
    pub msec: f64,
    /// How long the request took, in seconds.
    #[serde(default)]
    pub request_time: f64,
}

impl AccessRecord {
    /// When the request arrived, in seconds since the Unix epoch.
    pub fn started(&self) -> f64 {
        self.msec - self.request_time
    }

    /// The bytes `first..=last` of a `Range: bytes=FIRST-LAST` header.
    pub fn range_bounds(&self) -> Option<(u64, u64)> {
        let (first, last) = self.range.strip_prefix("bytes=")?.split_once('-')?;
        Some((first.trim().parse().ok()?, last.trim().parse().ok()?))
    }

    /// The first byte a `Range: bytes=N-` header asked for.
    pub fn range_start(&self) -> Option<u64> {
        self.range
            .strip_prefix("bytes=")?
            .split('-')
            .next()?
            .trim()
            .parse()
            .ok()
    }
}

/// A running nginx; killed when dropped.
pub struct Nginx {
    child: Child,
    port: u16,
    /// Configuration, pid file, temporary paths and logs.
    dir: tempfile::TempDir,
}

impl Nginx {
    /// Starts nginx serving `root`; panics with nginx's error log if it cannot.
    pub fn start(root: &Path) -> Nginx {
        Nginx::start_with(root, "")
    }

    /// Starts nginx serving `root` with `directives` (e.g. `limit_rate 4m;`) in its location.
    pub fn start_with(root: &Path, directives: &str) -> Nginx {
        let binary = nginx_binary();
        let root = root.canonicalize().expect("the served root exists");
        let dir = tempfile::tempdir().expect("temp dir for nginx");
        std::fs::create_dir_all(dir.path().join("tmp")).expect("nginx temp dir");
        let mut last_error = String::new();
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port();
            std::fs::write(
                dir.path().join("nginx.conf"),
                config(dir.path(), &root, port, directives),
            )
            .expect("nginx.conf");
            let _ = std::fs::remove_file(dir.path().join("error.log"));
            let _ = std::fs::remove_file(dir.path().join("nginx.pid"));
            let mut child = Command::new(&binary)
                .arg("-p")
                .arg(dir.path())
                .arg("-c")
                .arg(dir.path().join("nginx.conf"))
                .arg("-e")
                .arg(dir.path().join("error.log"))
                .arg("-g")
                .arg("daemon off; master_process off;")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
            match wait_until_listening(&mut child, dir.path(), port) {
                Ok(()) => {
                    return Nginx { child, port, dir };
                }
                Err(error) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    last_error = error;
                    if !last_error.contains("Address already in use") {
                        break;
                    }
                }
            }
        }
        panic!("nginx did not start: {last_error}");
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// The URL of a file under the root.
    pub fn url_of(&self, path: &str) -> String {
        format!("{}{}", self.url(), path.trim_start_matches('/'))
    }

    /// Every access-log record so far, oldest first. nginx writes a line when a response ends
    /// (for an aborted one, when it notices the client went away).
    pub fn access_log(&self) -> Vec<AccessRecord> {
        let text = std::fs::read_to_string(self.dir.path().join("access.log")).unwrap_or_default();
        text.lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("access log line {line:?}: {e}"))
            })
            .collect()
    }

    /// The access-log records for `path` (`"big.bin"` or `"/big.bin"`).
    pub fn requests_for(&self, path: &str) -> Vec<AccessRecord> {
        let wanted = format!("/{}", path.trim_start_matches('/'));
        self.access_log()
            .into_iter()
            .filter(|record| record.uri.split('?').next() == Some(wanted.as_str()))
            .collect()
    }

    /// Polls the access log until `done` holds for the records of `path`, and returns them;
    /// panics after `timeout` with what the log held.
    pub fn wait_for_requests(
        &self,
        path: &str,
        timeout: Duration,
        done: impl Fn(&[AccessRecord]) -> bool,
    ) -> Vec<AccessRecord> {
        try_wait_for(timeout, || {
            let records = self.requests_for(path);
            done(&records).then_some(records)
        })
        .unwrap_or_else(|| {
            let records = self.requests_for(path);
            panic!("nginx's access log for {path} after {timeout:?}: {records:#?}")
        })
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until the nginx `child` has bound `port` (its pid file exists) and accepts
/// connections; the error says why not, with nginx's error log.
fn wait_until_listening(child: &mut Child, dir: &Path, port: u16) -> Result<(), String> {
    let deadline = Instant::now() + START_TIMEOUT;
    let error_log = || std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("nginx exited ({status}): {}", error_log()));
        }
        let pid_written = std::fs::read_to_string(dir.join("nginx.pid"))
            .is_ok_and(|pid| pid.trim() == child.id().to_string());
        if pid_written && TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "nginx did not answer on port {port} within {START_TIMEOUT:?}: {}",
                error_log()
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// nginx on `PATH`, else Debian's `/usr/sbin/nginx`.
fn nginx_binary() -> PathBuf {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("nginx"))
            .find(|candidate| candidate.is_file())
    });
    on_path
        .or_else(|| Some(PathBuf::from("/usr/sbin/nginx")).filter(|p| p.is_file()))
        .expect("nginx is not installed: run scripts/setup")
}

/// A port the system just handed out (and took back).
fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// The configuration: one server on `127.0.0.1:port` serving `root`, everything else in `dir`.
fn config(dir: &Path, root: &Path, port: u16, directives: &str) -> String {
    let dir = dir.display();
    let root = root.display();
    format!(
        r#"# Written by tests/integration/support/nginx.rs for one test; see the module's documentation.
worker_processes 1;
pid "{dir}/nginx.pid";
error_log "{dir}/error.log" warn;
events {{
    worker_connections 256;
}}
http {{
    default_type application/octet-stream;
    log_format probe escape=json '{{"method":"$request_method","uri":"$request_uri","range":"$http_range","if_range":"$http_if_range","status":$status,"bytes":$body_bytes_sent,"msec":$msec,"request_time":$request_time}}';
    access_log "{dir}/access.log" probe;
    client_body_temp_path "{dir}/tmp/body";
    proxy_temp_path "{dir}/tmp/proxy";
    fastcgi_temp_path "{dir}/tmp/fastcgi";
    uwsgi_temp_path "{dir}/tmp/uwsgi";
    scgi_temp_path "{dir}/tmp/scgi";
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 30s;
    # Unused unless a test's directives say `limit_req zone=answers ...`: then requests past
    # the first are answered 500 ms apart, like new connections to a distant origin.
    limit_req_zone $server_name zone=answers:1m rate=2r/s;
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        root "{root}";
        location / {{
            {directives}
        }}
    }}
}}
"#
    )
}
