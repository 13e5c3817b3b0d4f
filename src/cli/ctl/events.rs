//! `bgassets ctl events`: each pack's recent timeline, oldest first; with `--follow`, then every
//! event as it comes until the manager stops. `--json` prints one JSON object a line: timeline
//! entries as `{"atMs", "app", "pack", "what", "detail"}`, live events as the socket sends them.

use std::collections::HashMap;

use anyhow::bail;
use serde::Serialize;

use crate::ipc::{Connection, Notice};
use crate::manager::api::ManagerApi;
use crate::manager::event::{ManagerEvent, ManagerEventKind};
use crate::manager::view::StatusDocument;
use crate::model::StatusUpdate;
use crate::model::size::format_bytes;

/// One timeline entry with the pack it belongs to.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry<'a> {
    at_ms: u64,
    app: &'a str,
    pack: &'a str,
    what: &'a str,
    detail: &'a str,
}

pub async fn run(
    connection: &Connection,
    follow: bool,
    app: Option<&str>,
    json: bool,
) -> anyhow::Result<()> {
    // Subscribe before reading the timelines, so that nothing falls between the two.
    let mut events = if follow {
        Some(connection.subscribe(app).await?)
    } else {
        None
    };
    let document = connection.status().await?;
    print_timelines(&document, app, json)?;
    let Some(events) = &mut events else {
        return Ok(());
    };
    let mut shown_percent = HashMap::new();
    while let Some(notice) = events.next().await {
        match notice {
            Notice::Event(event) if json => println!("{}", serde_json::to_string(&event)?),
            Notice::Event(event) => {
                if let Some(line) = describe(&event, &mut shown_percent) {
                    println!("{} {}", clock(event.at_ms), line);
                }
            }
            Notice::Missed(missed) => {
                eprintln!("warning: {missed} events missed (too slow to read)")
            }
        }
    }
    bail!("the manager closed the connection")
}

fn print_timelines(document: &StatusDocument, app: Option<&str>, json: bool) -> anyhow::Result<()> {
    let mut entries: Vec<Entry> = document
        .apps
        .iter()
        .filter(|a| app.is_none_or(|app| a.bundle_id == app))
        .flat_map(|a| &a.packs)
        .flat_map(|p| {
            p.timeline.iter().map(|t| Entry {
                at_ms: t.at_ms,
                app: &p.app,
                pack: &p.id,
                what: &t.what,
                detail: &t.detail,
            })
        })
        .collect();
    entries.sort_by_key(|e| e.at_ms);
    for entry in entries {
        if json {
            println!("{}", serde_json::to_string(&entry)?);
        } else {
            let detail = if entry.detail.is_empty() {
                String::new()
            } else {
                format!(": {}", entry.detail)
            };
            println!(
                "{} {}/{} {}{detail}",
                clock(entry.at_ms),
                entry.app,
                entry.pack,
                entry.what
            );
        }
    }
    Ok(())
}

/// An event for people; `None` for a progress step too small to show (under 1%).
fn describe(
    event: &ManagerEvent,
    shown_percent: &mut HashMap<(String, String), u32>,
) -> Option<String> {
    let subject = match &event.pack {
        Some(pack) => format!("{}/{pack}", event.app),
        None => event.app.clone(),
    };
    let what = match &event.kind {
        ManagerEventKind::Registered => "registered".into(),
        ManagerEventKind::Unregistered => "unregistered".into(),
        ManagerEventKind::ManifestFetched { changed, .. } => {
            format!(
                "manifest fetched ({})",
                if *changed { "changed" } else { "unchanged" }
            )
        }
        ManagerEventKind::ManifestFailed { error } => {
            format!("manifest failed: {}", error.explain())
        }
        ManagerEventKind::Status { update } => match update {
            StatusUpdate::Began => "began".into(),
            StatusUpdate::Paused => "paused".into(),
            StatusUpdate::Finished => "finished".into(),
            StatusUpdate::Failed { error } => {
                format!("failed: {}", error.explain())
            }
            StatusUpdate::Downloading { progress } => {
                let percent = (progress.fraction() * 100.0) as u32;
                let key = (event.app.clone(), event.pack.clone().unwrap_or_default());
                if shown_percent.insert(key, percent) == Some(percent) {
                    return None;
                }
                let rate = match progress.bytes_per_second {
                    0 => String::new(),
                    r => format!(" at {}/s", format_bytes(r)),
                };
                format!(
                    "downloading {percent}% ({} of {}){rate}",
                    format_bytes(progress.bytes_done),
                    format_bytes(progress.bytes_total)
                )
            }
        },
        ManagerEventKind::Queued => "queued".into(),
        ManagerEventKind::Installing => "installing".into(),
        ManagerEventKind::Installed { version } => format!("installed version {version}"),
        ManagerEventKind::InstallCancelled => "install cancelled".into(),
        ManagerEventKind::Delta { detail, .. } => format!("delta update: {detail}"),
        ManagerEventKind::ExtensionFailed { message, .. } => format!("extension failed: {message}"),
        ManagerEventKind::Removed => "removed".into(),
        ManagerEventKind::UpdateAvailable {
            installed,
            available,
        } => {
            format!("update available: {installed} → {available}")
        }
        ManagerEventKind::Obsolete => "obsolete".into(),
        ManagerEventKind::LaunchReady => "launch-ready".into(),
        ManagerEventKind::Changed => "changed".into(),
        ManagerEventKind::DownloadStatus {
            identifier,
            state,
            progress,
            path,
            error,
        } => {
            let detail = match (progress, path, error) {
                (_, _, Some(error)) => format!(": {}", error.explain()),
                (_, Some(path), _) => format!(" → {}", path.display()),
                (Some(p), _, _) => {
                    let percent = (p.fraction() * 100.0) as u32;
                    let key = (event.app.clone(), format!("download:{identifier}"));
                    if shown_percent.insert(key, percent) == Some(percent) {
                        return None;
                    }
                    format!(
                        " {percent}% ({} of {})",
                        format_bytes(p.bytes_done),
                        format_bytes(p.bytes_total)
                    )
                }
                _ => String::new(),
            };
            format!("download {identifier} {state}{detail}")
        }
    };
    Some(format!("{subject} {what}"))
}

/// `HH:MM:SS.mmmZ` (UTC) of a Unix time in milliseconds.
fn clock(at_ms: u64) -> String {
    let ms = at_ms % 1000;
    let seconds = at_ms / 1000 % 86_400;
    format!(
        "{:02}:{:02}:{:02}.{ms:03}Z",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ErrorKind, PackError};

    #[test]
    fn a_failure_event_names_its_code_and_its_reason() {
        let event = ManagerEvent {
            at_ms: 0,
            app: "org.example.game".into(),
            pack: Some("Music".into()),
            kind: ManagerEventKind::Status {
                update: StatusUpdate::Failed {
                    error: PackError::new(ErrorKind::DiskFull, "20 MB needed, 3 MB free"),
                },
            },
        };
        assert_eq!(
            describe(&event, &mut HashMap::new()).as_deref(),
            Some("org.example.game/Music failed: diskFull — 20 MB needed, 3 MB free")
        );
    }
}
