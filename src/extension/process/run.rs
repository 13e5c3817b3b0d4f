//! One run of a process extension: spawned with a cleared environment in its own process
//! group, the request written to stdin while stdout (capped) and stderr (its tail) are read,
//! stopped at the time limit; the group killed and the child waited for however it ends.

use std::path::Path;
use std::process::Stdio;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::extension::ExtensionLimits;
use crate::extension::error::Problem;
use crate::extension::message::ExtensionRequest;

/// How long the output is still read after the process exited (its leftover children are
/// killed at once; one that escaped the group may hold the pipe open).
const DRAIN: std::time::Duration = std::time::Duration::from_millis(500);

/// The `PATH` an extension gets.
pub const PATH: &str = "/usr/bin:/bin";

/// Runs `program` once and returns its stdout, or why it gave none.
pub(super) async fn run(
    program: &Path,
    container: &Path,
    request: &ExtensionRequest,
    limits: &ExtensionLimits,
) -> Result<Vec<u8>, Problem> {
    let deadline = Instant::now() + limits.time;
    tokio::fs::create_dir_all(container).await.map_err(|e| {
        Problem::SpawnFailed(format!(
            "cannot create the app's container {}: {e}",
            container.display()
        ))
    })?;
    let mut command = Command::new(program);
    command
        .env_clear()
        .env("PATH", PATH)
        .env("HOME", container)
        .env("LANG", "C.UTF-8")
        .env("BGASSETS_APP", request.app())
        .env("BGASSETS_CONTAINER", container)
        .env("BGASSETS_EVENT", request.event().as_str())
        .current_dir(container)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    command.process_group(0);
    let mut child = command.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            Problem::NotFound(format!("cannot start {}: {e}", program.display()))
        }
        std::io::ErrorKind::PermissionDenied => {
            Problem::NotExecutable(format!("cannot start {}: {e}", program.display()))
        }
        _ => Problem::SpawnFailed(format!("cannot start {}: {e}", program.display())),
    })?;
    // The id is gone once the child is reaped: keep it for the group.
    let pid = child.id();
    // From here on the group dies with this call, however it ends.
    let _group = Group(pid);
    let stop = CancellationToken::new();
    let _stop_readers = stop.clone().drop_guard();
    let stdin = child.stdin.take();
    let line = request.to_line();
    let writer = tokio::spawn(async move {
        // An extension need not read its request: a closed pipe is not an error.
        if let Some(mut stdin) = stdin {
            let _ = stdin.write_all(&line).await;
            let _ = stdin.shutdown().await;
        }
    });
    let _abort_writer = Abort(writer);
    let mut stdout = tokio::spawn(read_capped(
        child.stdout.take(),
        limits.max_output,
        stop.clone(),
    ));
    let stderr = tokio::spawn(read_tail(
        child.stderr.take(),
        limits.stderr_tail,
        stop.clone(),
    ));
    let mut read: Option<Vec<u8>> = None;
    let status = loop {
        tokio::select! {
            status = child.wait() => break status,
            () = tokio::time::sleep_until(deadline) => {
                stop_child(pid, &mut child).await;
                return Err(Problem::Hung { after: limits.time });
            }
            output = &mut stdout, if read.is_none() => match output {
                Ok(Some(output)) => read = Some(output),
                Ok(None) => {
                    stop_child(pid, &mut child).await;
                    return Err(Problem::TooMuchOutput { limit: limits.max_output });
                }
                Err(error) => {
                    stop_child(pid, &mut child).await;
                    return Err(Problem::SpawnFailed(format!("cannot read its output: {error}")));
                }
            },
        }
    };
    let status = status.map_err(|e| Problem::SpawnFailed(format!("cannot wait for it: {e}")))?;
    // Leftover children go with it; then what they wrote is read, briefly.
    kill_group(pid);
    let drain_until = deadline.min(Instant::now() + DRAIN);
    let stopper = stop.clone();
    tokio::spawn(async move {
        tokio::time::sleep_until(drain_until).await;
        stopper.cancel();
    });
    let output = match read {
        Some(output) => Some(output),
        None => stdout.await.ok().flatten(),
    };
    let stderr = stderr.await.unwrap_or_default();
    let Some(output) = output else {
        return Err(Problem::TooMuchOutput {
            limit: limits.max_output,
        });
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return Err(Problem::Crashed { signal, stderr });
        }
    }
    match status.code() {
        Some(0) => Ok(output),
        Some(code) => Err(Problem::ExitCode { code, stderr }),
        None => Err(Problem::Crashed { signal: 0, stderr }),
    }
}

/// Kills the child's group and the child, and waits for it.
async fn stop_child(pid: Option<u32>, child: &mut tokio::process::Child) {
    kill_group(pid);
    let _ = child.kill().await;
}

/// Reads `reader` to its end (or until `stop`); `None` past `cap` bytes.
async fn read_capped<R: AsyncRead + Unpin>(
    reader: Option<R>,
    cap: usize,
    stop: CancellationToken,
) -> Option<Vec<u8>> {
    let mut reader = reader?;
    let mut output = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = tokio::select! {
            () = stop.cancelled() => return Some(output),
            n = reader.read(&mut chunk) => n.unwrap_or(0),
        };
        if n == 0 {
            return Some(output);
        }
        if output.len().saturating_add(n) > cap {
            return None;
        }
        output.extend_from_slice(&chunk[..n]);
    }
}

/// The last `keep` bytes of `reader`, as text.
async fn read_tail<R: AsyncRead + Unpin>(
    reader: Option<R>,
    keep: usize,
    stop: CancellationToken,
) -> String {
    let Some(mut reader) = reader else {
        return String::new();
    };
    let mut tail: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        let n = tokio::select! {
            () = stop.cancelled() => break,
            n = reader.read(&mut chunk) => n.unwrap_or(0),
        };
        if n == 0 {
            break;
        }
        tail.extend_from_slice(&chunk[..n]);
        if tail.len() > keep {
            tail.drain(..tail.len() - keep);
        }
    }
    String::from_utf8_lossy(&tail).trim().to_string()
}

/// SIGKILL to the process group `pid` leads (it was started with `process_group(0)`).
fn kill_group(pid: Option<u32>) {
    #[cfg(unix)]
    if let Some(group) = pid.and_then(|pid| libc::pid_t::try_from(pid).ok())
        && group > 0
    {
        // SAFETY: killpg only sends a signal; an empty group gives ESRCH, which is ignored.
        unsafe {
            libc::killpg(group, libc::SIGKILL);
        }
    }
    #[cfg(not(unix))]
    let _ = pid;
}

/// Kills the process group when the call ends, however it ends.
struct Group(Option<u32>);

impl Drop for Group {
    fn drop(&mut self) {
        kill_group(self.0);
    }
}

/// Aborts a task when the call ends.
struct Abort(tokio::task::JoinHandle<()>);

impl Drop for Abort {
    fn drop(&mut self) {
        self.0.abort();
    }
}
