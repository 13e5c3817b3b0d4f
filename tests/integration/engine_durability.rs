//! What "finished" promises about the disk (issue 15): before the engine reports a download
//! finished, the file's bytes were `fdatasync`ed, the file was renamed into place, and its
//! folder was `fsync`ed after that rename, so a power loss after the report cannot lose it.
//! Folder syncs are shared between workers that finish together (one sync after several
//! renames), which is exactly what must not break the rule.
//!
//! A power loss cannot be staged in a test, so the test watches the system calls instead: it
//! runs itself again, alone, under `strace -f`, downloads many small files with 8 workers and
//! prints a line as each `Finished` event arrives; the trace shows, for every file, the order
//! of its `fdatasync`, its rename, a folder `fsync` that began after the rename, and the line.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use bgassets::engine::EventKind;
use bgassets::server::Faults;

use crate::support::alone::{alone_command, running_alone};
use crate::support::engine::{Site, engine, limits};

const FILES: usize = 32;
const SIZE: usize = 64 << 10;
const MARK: &str = "bgassets-finished ";
const NAME: &str = "every_file_reported_finished_was_synced_then_renamed_then_its_folder_synced";

#[test]
fn every_file_reported_finished_was_synced_then_renamed_then_its_folder_synced() {
    if running_alone(module_path!(), NAME) {
        download_and_mark();
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = dir.path().join("trace");
    let trace_arg = trace.to_str().expect("a UTF-8 temp path");
    let wrapper = [
        "strace",
        "-f",
        "-y",
        "-qq",
        "-s",
        "200",
        "-e",
        "trace=fdatasync,fsync,rename,renameat,renameat2,write",
        "-o",
        trace_arg,
    ];
    let output = alone_command(module_path!(), NAME, &wrapper)
        .output()
        .expect("strace runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "the traced run failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&trace).expect("the trace");
    let calls = parse(&text);
    let out = out_dir_in_trace(&calls);
    let reported: Vec<&Call> = calls
        .iter()
        .filter(|c| c.name == "write" && c.args.contains(MARK))
        .collect();
    assert_eq!(reported.len(), FILES, "one line per finished file");
    for line in reported {
        let id = line
            .args
            .split(MARK)
            .nth(1)
            .and_then(|r| r.split('\\').next());
        let id = id.expect("the id after the mark");
        let partial = format!("{out}/{id}.partial");
        let synced = calls
            .iter()
            .find(|c| c.name == "fdatasync" && c.ok && c.args.contains(&format!("<{partial}>")))
            .unwrap_or_else(|| panic!("{id}: no fdatasync of {partial}"));
        let renamed = calls
            .iter()
            .find(|c| {
                c.name.starts_with("rename") && c.ok && c.args.contains(&format!("\"{partial}\""))
            })
            .unwrap_or_else(|| panic!("{id}: no rename of {partial}"));
        assert!(
            synced.end < renamed.start,
            "{id}: renamed before its bytes were synced"
        );
        let folder = calls.iter().find(|c| {
            c.name == "fsync"
                && c.ok
                && c.args.contains(&format!("<{out}>"))
                && c.start > renamed.end
        });
        let folder = folder.unwrap_or_else(|| panic!("{id}: no folder sync after its rename"));
        assert!(
            folder.end < line.start,
            "{id}: reported finished before the folder sync after its rename ended"
        );
    }
}

/// The traced child: downloads the files with 8 workers and prints a mark per `Finished`.
fn download_and_mark() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let names: Vec<String> = (0..FILES).map(|i| format!("f{i:03}.bin")).collect();
        let files: Vec<(&str, usize)> = names.iter().map(|n| (n.as_str(), SIZE)).collect();
        let site = Site::start(&files, Faults::default()).await;
        let engine = engine(&site.state_file(), limits(8, None));
        let handle = engine.handle();
        let mut events = handle.subscribe();
        for name in &names {
            handle.enqueue(site.request(name)).await.expect("enqueued");
        }
        let mut finished = 0;
        while finished < FILES {
            let event = tokio::time::timeout(Duration::from_secs(30), events.recv())
                .await
                .expect("an event within 30 s")
                .expect("no events lost");
            match event.kind {
                EventKind::Finished { .. } => {
                    let mut stdout = std::io::stdout().lock();
                    // One write per line, so the trace shows the mark whole.
                    stdout
                        .write_all(format!("{MARK}{}\n", event.id).as_bytes())
                        .expect("stdout");
                    stdout.flush().expect("stdout");
                    finished += 1;
                }
                EventKind::Failed { error } => panic!("{}: {error:?}", event.id),
                _ => {}
            }
        }
        engine.shutdown().await;
        for name in &names {
            assert_eq!(std::fs::read(site.out(name)).unwrap(), site.bytes(name));
        }
    });
}

/// One traced system call: where it began and ended in the trace, and whether it returned 0
/// (or, for `write`, anything but an error).
#[derive(Debug)]
struct Call {
    name: String,
    args: String,
    ok: bool,
    start: usize,
    end: usize,
}

/// Parses `strace -f` output, joining `<unfinished ...>` lines with their `resumed` halves.
fn parse(text: &str) -> Vec<Call> {
    let mut calls = Vec::new();
    let mut open: HashMap<&str, (usize, String)> = HashMap::new();
    for (index, line) in text.lines().enumerate() {
        let Some((pid, rest)) = line.trim_start().split_once(char::is_whitespace) else {
            continue;
        };
        let rest = rest.trim_start();
        if let Some(head) = rest.strip_suffix(" <unfinished ...>") {
            open.insert(pid, (index, head.to_string()));
            continue;
        }
        let (start, whole) = match rest.strip_prefix("<... ") {
            Some(resumed) => match (open.remove(pid), resumed.split_once(" resumed>")) {
                (Some((start, head)), Some((_, tail))) => (start, format!("{head}{tail}")),
                _ => continue,
            },
            None => (index, rest.to_string()),
        };
        let Some((call, result)) = whole.rsplit_once(" = ") else {
            continue;
        };
        let Some((name, args)) = call.split_once('(') else {
            continue;
        };
        let result = result.split_whitespace().next().unwrap_or("");
        let ok = if name == "write" {
            !result.starts_with('-')
        } else {
            result == "0"
        };
        calls.push(Call {
            name: name.to_string(),
            args: args.to_string(),
            ok,
            start,
            end: index,
        });
    }
    calls
}

/// The download folder as the trace names it (`-y` resolves paths): the folder of the first
/// synced partial file.
fn out_dir_in_trace(calls: &[Call]) -> String {
    let partial = calls
        .iter()
        .filter(|c| c.name == "fdatasync")
        .find_map(|c| {
            let path = c.args.split_once('<')?.1.split_once('>')?.0;
            path.ends_with(".partial").then(|| path.to_string())
        })
        .expect("an fdatasync of a partial file in the trace");
    let parent = Path::new(&partial).parent().expect("the partial's folder");
    parent.to_string_lossy().into_owned()
}
