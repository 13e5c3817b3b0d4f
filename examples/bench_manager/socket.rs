//! A blocking client of the manager's documented socket protocol (`docs/protocol.md`): one
//! JSON line per request, responses matched by id, event lines skipped. Written against the
//! protocol, not the crate's client, so the benchmark measures what any app would see.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;

use anyhow::{Context, bail};
use serde_json::{Value, json};

/// An answer's line, undecoded.
pub struct Line {
    /// Whether the request succeeded.
    pub ok: bool,
    /// The `generation` the answer names near its start, if any.
    pub generation: Option<u64>,
    /// The line's length in bytes.
    pub len: usize,
}

/// A controller connection.
pub struct Socket {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
    next_id: u64,
}

impl Socket {
    /// Connects to the manager of `data_dir` and says hello as a controller.
    pub fn controller(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join("bgassets.sock");
        let stream = UnixStream::connect(&path)
            .with_context(|| format!("connecting to {}", path.display()))?;
        let capability_file = data_dir.join("bgassets.capability");
        let capability = std::fs::read_to_string(&capability_file)
            .with_context(|| format!("reading {}", capability_file.display()))?;
        let mut socket = Self {
            // Large enough that a status line of megabytes is read in a few calls.
            reader: BufReader::with_capacity(4 << 20, stream.try_clone()?),
            writer: stream,
            next_id: 1,
        };
        socket.call("hello", json!({ "capability": capability.trim() }))?;
        Ok(socket)
    }

    /// Sends one request and waits for its result.
    pub fn call(&mut self, method: &str, params: Value) -> anyhow::Result<Value> {
        let id = self.send(method, params)?;
        let (got, result) = self.receive()?;
        if got != id {
            bail!("{method}: answer to request {got}, expected {id}");
        }
        result.with_context(|| format!("{method} was refused"))
    }

    /// Sends one request without waiting; returns its id.
    pub fn send(&mut self, method: &str, params: Value) -> anyhow::Result<u64> {
        let id = self.next_id;
        self.next_id += 1;
        let line = json!({ "id": id, "method": method, "params": params }).to_string() + "\n";
        self.writer
            .write_all(line.as_bytes())
            .with_context(|| format!("sending {method}"))?;
        Ok(id)
    }

    /// Sends a request and reads its answer's line without decoding the result (the status
    /// load measures the manager, not this client's JSON parser): whether it succeeded and the
    /// `generation` it names, read from the line's head (`{"id":N,"ok":true,"result":{"schema":1,
    /// "since":…,"generation":G,…`), or from the whole line when the head does not say.
    pub fn call_line(&mut self, method: &str, params: Value) -> anyhow::Result<Line> {
        self.send(method, params)?;
        let mut line = Vec::new();
        let read = self
            .reader
            .read_until(b'\n', &mut line)
            .context("reading from the socket")?;
        if read == 0 {
            bail!("the manager closed the connection");
        }
        let head = String::from_utf8_lossy(&line[..line.len().min(160)]);
        let ok = if head.contains("\"ok\":true") {
            true
        } else if head.contains("\"ok\":false") {
            false
        } else {
            let value: Value = serde_json::from_slice(&line).context("a line that is not JSON")?;
            value["ok"] == true
        };
        let generation = head.split("\"generation\":").nth(1).and_then(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        });
        Ok(Line {
            ok,
            generation,
            len: line.len(),
        })
    }

    /// Sends many requests in one write; returns their ids.
    pub fn send_all(&mut self, requests: &[(&str, Value)]) -> anyhow::Result<Vec<u64>> {
        let mut text = String::new();
        let mut ids = Vec::new();
        for (method, params) in requests {
            ids.push(self.next_id);
            text.push_str(
                &json!({ "id": self.next_id, "method": method, "params": params }).to_string(),
            );
            text.push('\n');
            self.next_id += 1;
        }
        self.writer
            .write_all(text.as_bytes())
            .context("sending a burst of requests")?;
        Ok(ids)
    }

    /// The next response: its id and its result or error.
    pub fn receive(&mut self) -> anyhow::Result<(u64, anyhow::Result<Value>)> {
        let mut line = String::new();
        loop {
            line.clear();
            let read = self
                .reader
                .read_line(&mut line)
                .context("reading from the socket")?;
            if read == 0 {
                bail!("the manager closed the connection");
            }
            let value: Value = serde_json::from_str(&line)
                .with_context(|| format!("a line that is not JSON: {line}"))?;
            let Some(ok) = value.get("ok").and_then(Value::as_bool) else {
                continue; // an event line
            };
            let id = value["id"].as_u64().unwrap_or(0);
            let result = if ok {
                Ok(value["result"].clone())
            } else {
                Err(anyhow::anyhow!("{}", value["error"]))
            };
            return Ok((id, result));
        }
    }
}
