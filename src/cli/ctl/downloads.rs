//! The `ctl` subcommands of apps' own downloads: `downloads APP` (a line each), `schedule APP
//! ID URL` (with `--essential`, `--size`, `--sha256`, `--priority`, `--header`),
//! `cancel-download APP ID` and `foreground APP ID`. Each line says where the download is and
//! why; header values are never printed (they may be secrets).

use anyhow::Context;
use clap::Args;
use url::Url;

use super::UsageError;
use crate::ipc::Connection;
use crate::manager::api::AppDownloadApi;
use crate::manager::downloads::AppDownloadView;
use crate::model::size::{format_bytes, parse_size};
use crate::model::{DownloadIdentifier, DownloadSpec, Header, Sha256Digest};

/// `bgassets ctl schedule APP ID URL [options]`.
#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// The app's bundle id.
    pub app: String,
    /// The download's identifier (its file's name in `Background Downloads/`).
    pub identifier: String,
    /// Where the bytes come from (http or https, within the app's allow list).
    pub url: String,
    /// Part of the app's installation (refused: only an app's extension may ask for one).
    #[arg(long)]
    pub essential: bool,
    /// The exact size, e.g. `12MB` or `1048576`.
    #[arg(long, value_name = "N", value_parser = parse_byte_count)]
    pub size: Option<u64>,
    /// The SHA-256 the file must have (64 hex digits).
    #[arg(long, value_name = "HEX")]
    pub sha256: Option<String>,
    /// Higher first, -100 to 100.
    #[arg(
        long,
        value_name = "P",
        default_value_t = 0,
        allow_hyphen_values = true
    )]
    pub priority: i64,
    /// A request header, `Name: value` (repeatable).
    #[arg(long = "header", value_name = "'NAME: VALUE'")]
    pub headers: Vec<String>,
}

fn parse_byte_count(text: &str) -> Result<u64, String> {
    parse_size(text).map_err(|e| e.to_string())
}

impl ScheduleArgs {
    /// The download as the manager takes it, or a usage error naming the bad argument.
    fn spec(&self) -> anyhow::Result<DownloadSpec> {
        let usage = |m: String| anyhow::Error::from(UsageError(m));
        let identifier = DownloadIdentifier::parse(&self.identifier).map_err(usage)?;
        let url = Url::parse(&self.url)
            .map_err(|e| usage(format!("`{}` is not a URL: {e}", self.url)))?;
        let mut spec = DownloadSpec::new(identifier, url);
        spec.essential = self.essential;
        spec.expected_size = self.size;
        spec.priority = self.priority;
        if let Some(hex) = &self.sha256 {
            spec.sha256 =
                Some(Sha256Digest::parse_hex(hex).map_err(|e| usage(format!("--sha256: {e}")))?);
        }
        for header in &self.headers {
            let (name, value) = header
                .split_once(':')
                .ok_or_else(|| usage(format!("--header `{header}` is not `Name: value`")))?;
            spec.headers
                .push(Header::new(name.trim(), value.trim()).map_err(usage)?);
        }
        spec.check().map_err(usage)?;
        Ok(spec)
    }
}

/// A download in one line: `ID  STATE  detail  URL`.
pub fn line(view: &AppDownloadView) -> String {
    let bytes = view.progress.map(|p| match p.bytes_total {
        0 => format!("{} so far", format_bytes(p.bytes_done)),
        total => format!("{} of {}", format_bytes(p.bytes_done), format_bytes(total)),
    });
    let detail = match (&view.error, &view.path, &view.detail, bytes) {
        (Some(error), _, _, _) => error.explain(),
        (_, Some(path), _, _) => format!("at {}", path.display()),
        (_, _, Some(why), Some(bytes)) => format!("{why} ({bytes})"),
        (_, _, Some(why), None) => why.clone(),
        (_, _, None, bytes) => bytes.unwrap_or_default(),
    };
    let mut marks = Vec::new();
    if view.essential {
        marks.push("essential");
    }
    if view.foreground {
        marks.push("foreground");
    }
    if view.paused {
        marks.push("paused by you");
    }
    let marks = if marks.is_empty() {
        String::new()
    } else {
        format!(" [{}]", marks.join(", "))
    };
    format!(
        "{}  {}{marks}  {detail}  {}",
        view.identifier, view.state, view.url
    )
}

/// `ctl downloads APP`.
pub async fn list(connection: &Connection, app: &str, json: bool) -> anyhow::Result<()> {
    let downloads = connection.current_downloads(app).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&downloads)?);
    } else if downloads.is_empty() {
        println!("{app} has no downloads of its own");
    } else {
        for view in &downloads {
            println!("{}", line(view));
        }
    }
    Ok(())
}

/// `ctl schedule APP ID URL …`.
pub async fn schedule(connection: &Connection, args: ScheduleArgs) -> anyhow::Result<()> {
    let spec = args.spec()?;
    let view = connection.schedule_download(&args.app, spec, None).await?;
    println!(
        "scheduled download {} of {} from {}: {} (it lands in the app's container, \
         `Background Downloads/{}`; `bgassets ctl downloads {}` shows it)",
        view.identifier, view.app, view.url, view.state, view.identifier, view.app
    );
    Ok(())
}

/// `ctl cancel-download APP ID`.
pub async fn cancel(connection: &Connection, app: &str, identifier: &str) -> anyhow::Result<()> {
    connection.cancel_download(app, identifier, None).await?;
    println!("cancelled download {identifier} of {app} (its partial file is deleted)");
    Ok(())
}

/// `ctl foreground APP ID`: the download must exist; it moves ahead of background work.
pub async fn foreground(
    connection: &Connection,
    app: &str,
    identifier: &str,
) -> anyhow::Result<()> {
    let downloads = connection.current_downloads(app).await?;
    let view = downloads
        .iter()
        .find(|d| d.identifier == identifier)
        .ok_or_else(|| {
            UsageError(format!(
                "{app} has no download `{identifier}`: schedule it first with `bgassets ctl schedule`"
            ))
        })?;
    let identifier = DownloadIdentifier::parse(&view.identifier).map_err(anyhow::Error::msg)?;
    let url = Url::parse(&view.url).context("the manager's download URL")?;
    let mut spec = DownloadSpec::new(identifier, url);
    (spec.expected_size, spec.sha256, spec.priority) =
        (view.expected_size, view.sha256, view.priority);
    let view = connection
        .start_foreground_download(app, spec, None)
        .await?;
    println!("{}", line(&view));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manager::downloads::{AppDownloadRecord, AppDownloadState, Scheduler};
    use crate::model::{ErrorKind, PackError, Progress};

    #[test]
    fn a_line_says_why_a_download_waits_and_how_far_it_got() {
        let spec = DownloadSpec::new(
            DownloadIdentifier::parse("a.bin").unwrap(),
            Url::parse("https://cdn.example/a.bin").unwrap(),
        );
        let mut record = AppDownloadRecord::new(spec, Scheduler::App, 1);
        record.progress = Some(Progress {
            bytes_done: 1_000_000,
            bytes_total: 4_000_000,
            bytes_per_second: 0,
        });
        let paused = line(&record.view("app", true));
        assert!(
            paused.starts_with("a.bin  waiting [paused by you]  paused by you ("),
            "{paused}"
        );
        assert!(paused.ends_with("https://cdn.example/a.bin"), "{paused}");
        record.state = AppDownloadState::Failed {
            error: PackError::new(ErrorKind::ChecksumMismatch, "the SHA-256 differs"),
        };
        let failed = line(&record.view("app", false));
        assert!(
            failed.contains("failed  checksumMismatch — the SHA-256 differs"),
            "{failed}"
        );
    }
}
