//! `bgassets ctl`: talks to the running manager over its local socket. Each subcommand is one
//! request of the manager's vocabulary; results are printed for people, or as JSON where asked.
//!
//! Exit codes scripts can rely on (also in `docs/protocol.md`): 0 done; 1 the manager refused
//! (the message is its error, prefixed by its kind: `assetPackNotFound: …`) or another failure;
//! 2 a usage error; 3 no manager runs on that data dir.

mod actions;
mod downloads;
mod events;
mod status;

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::ipc::{Connection, ConnectionError};
use crate::manager::api::{ManagerApi, Move, Selection};
use crate::model::size::{format_bytes, parse_size};
use crate::store::Paths;

/// `bgassets ctl`'s arguments.
#[derive(Debug, Args)]
pub struct CtlArgs {
    /// What to ask the running manager.
    #[command(subcommand)]
    pub command: CtlCommand,
}

/// The subcommands of `bgassets ctl`.
#[derive(Debug, Subcommand)]
pub enum CtlCommand {
    /// Every app and pack: state, progress, version, policy.
    Status {
        /// Print the status document (schema 1, `docs/protocol.md`) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// What happened to packs (their recent timelines); with --follow, events as they come.
    Events {
        /// Keep printing events until interrupted.
        #[arg(short, long)]
        follow: bool,
        /// Only this app's.
        #[arg(long, value_name = "APP")]
        app: Option<String>,
        /// One JSON object a line.
        #[arg(long)]
        json: bool,
    },
    /// Register an app from its Info.plist, or a folder holding one (`Foo.app`).
    Register {
        /// The Info.plist, or the app folder holding it.
        path: PathBuf,
    },
    /// Forget an app and remove its installed packs.
    Unregister {
        /// The app's bundle id.
        app: String,
        /// Do not ask for confirmation (required when not on a terminal).
        #[arg(short, long)]
        yes: bool,
    },
    /// Download and install a pack (on-demand ones included).
    Ensure {
        /// The app's bundle id.
        app: String,
        /// The pack's id.
        pack: String,
        /// Wait until it is installed (exit 1 if it fails), showing progress.
        #[arg(long)]
        wait: bool,
    },
    /// Pause downloads: one pack, one app's, or all.
    Pause(SelectionArgs),
    /// Resume paused downloads and retry failed ones: one pack, one app's, or all.
    Resume(SelectionArgs),
    /// Move a pack in its app's download order.
    Prioritize(PrioritizeArgs),
    /// Remove an installed pack, cancelling its download.
    Remove {
        /// The app's bundle id.
        app: String,
        /// The pack's id.
        pack: String,
    },
    /// Re-read manifests (one app's, or every app's) and start the updates they list.
    CheckUpdates {
        /// Only this app's manifest (every app's when absent).
        app: Option<String>,
    },
    /// Change download limits and preferred languages, live.
    Set(SetArgs),
    /// An app's own downloads (`BADownloadManager`): one line each.
    Downloads {
        /// The app's bundle id.
        app: String,
        /// Print them as JSON (`[AppDownloadView]`).
        #[arg(long)]
        json: bool,
    },
    /// Schedule a download of an app's own; it lands in `Background Downloads/ID` of its
    /// container.
    Schedule(downloads::ScheduleArgs),
    /// Cancel and forget an app's download (its partial file is deleted).
    CancelDownload {
        /// The app's bundle id.
        app: String,
        /// The download's identifier.
        identifier: String,
    },
    /// Move an app's download ahead of background work.
    Foreground {
        /// The app's bundle id.
        app: String,
        /// The download's identifier.
        identifier: String,
    },
}

/// `APP [PACK]` or `--all`.
#[derive(Debug, Args)]
pub struct SelectionArgs {
    /// The app's bundle id: its packs, or with PACK that one pack.
    #[arg(required_unless_present = "all")]
    pub app: Option<String>,
    /// The pack's id.
    pub pack: Option<String>,
    /// Every pack of every app.
    #[arg(long, conflicts_with_all = ["app", "pack"])]
    pub all: bool,
}

impl SelectionArgs {
    fn selection(&self) -> Selection {
        match (&self.app, &self.pack) {
            (Some(app), Some(pack)) => Selection::pack(app, pack),
            (Some(app), None) => Selection::App(app.clone()),
            _ => Selection::All,
        }
    }
}

/// `APP PACK --top|--up|--down`.
#[derive(Debug, Args)]
#[group(skip)]
#[command(group(clap::ArgGroup::new("to").required(true).args(["top", "up", "down"])))]
pub struct PrioritizeArgs {
    /// The app's bundle id.
    pub app: String,
    /// The pack's id.
    pub pack: String,
    /// Ahead of every other pack (it may pause a running download).
    #[arg(long)]
    pub top: bool,
    /// One place earlier.
    #[arg(long)]
    pub up: bool,
    /// One place later.
    #[arg(long)]
    pub down: bool,
}

/// `bgassets ctl set`'s options; at least one.
#[derive(Debug, Args)]
#[group(required = true, multiple = true)]
pub struct SetArgs {
    /// Downloads running at once.
    #[arg(long, value_name = "N")]
    pub max_concurrent: Option<usize>,
    /// Downloads running at once from one host.
    #[arg(long, value_name = "N")]
    pub per_host: Option<usize>,
    /// Bytes per second for all downloads, e.g. `2MB`; `0` removes the limit.
    #[arg(long, value_name = "RATE", value_parser = parse_rate)]
    pub limit_rate: Option<u64>,
    /// Preferred languages, best first (`fr,en`); `""` uses the environment's.
    #[arg(long, value_name = "LANGS")]
    pub languages: Option<String>,
}

fn parse_rate(text: &str) -> Result<u64, String> {
    parse_size(text).map_err(|e| e.to_string())
}

/// No manager listens on the data dir's socket (exit code 3).
#[derive(Debug, thiserror::Error)]
#[error("no bgassets manager is running on {where_} (nothing listens on {}): start one with `{start}`", .socket.display())]
pub struct NoManager {
    where_: String,
    socket: PathBuf,
    start: String,
    #[source]
    source: std::io::Error,
}

/// The command line was understood but cannot be acted on as given (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The exit code for an error `run` returned: 3 when no manager runs, 2 for a usage error,
/// 1 otherwise.
pub fn exit_code(error: &anyhow::Error) -> u8 {
    if error.chain().any(|e| e.is::<NoManager>()) {
        3
    } else if error.chain().any(|e| e.is::<UsageError>()) {
        2
    } else {
        1
    }
}

/// Runs `bgassets ctl` against the manager of `data_dir` (else `BGASSETS_HOME`, else the
/// platform's folders).
pub fn run(args: CtlArgs, data_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let paths = Paths::resolve(data_dir.as_deref())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let connection = connect(&paths, data_dir.as_deref()).await?;
        dispatch(args.command, &connection).await
    })
}

async fn connect(paths: &Paths, data_dir: Option<&Path>) -> anyhow::Result<Connection> {
    match Connection::connect(paths.socket_path()).await {
        Ok(connection) => {
            connection
                .hello_controller(&paths.capability_file())
                .await
                .context("the manager did not accept this `ctl` as a controller")?;
            Ok(connection)
        }
        Err(ConnectionError::NotRunning { socket, source }) => {
            let dir = data_dir.map(Path::to_path_buf).or_else(|| {
                std::env::var_os(crate::store::paths::HOME_VARIABLE)
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            });
            let (where_, start) = match dir {
                Some(dir) => (
                    format!("data dir {}", dir.display()),
                    format!("bgassets daemon --data-dir {}", dir.display()),
                ),
                None => ("this account".to_string(), "bgassets daemon".to_string()),
            };
            Err(NoManager {
                where_,
                socket,
                start,
                source,
            }
            .into())
        }
        Err(error) => Err(error.into()),
    }
}

async fn dispatch(command: CtlCommand, connection: &Connection) -> anyhow::Result<()> {
    match command {
        CtlCommand::Status { json } => {
            let document = connection.status().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&document)?);
            } else {
                print!("{}", status::table(&document));
            }
        }
        CtlCommand::Events { follow, app, json } => {
            events::run(connection, follow, app.as_deref(), json).await?;
        }
        CtlCommand::Register { path } => {
            let path = std::path::absolute(&path)
                .with_context(|| format!("cannot make {} absolute", path.display()))?;
            let app = connection.register(&path).await?;
            println!(
                "registered {} ({} {}): {} packs, container {}",
                app.bundle_id,
                app.name,
                app.short_version.as_deref().unwrap_or(&app.bundle_version),
                app.packs.len(),
                app.container.display()
            );
        }
        CtlCommand::Unregister { app, yes } => actions::unregister(connection, app, yes).await?,
        CtlCommand::Ensure { app, pack, wait } => {
            if wait {
                actions::ensure_and_wait(connection, &app, &pack).await?;
            } else {
                let view = connection.ensure(&app, &pack, true).await?;
                if view.flags.downloaded && !view.flags.out_of_date {
                    println!("{}/{} is installed", view.app, view.id);
                } else {
                    println!(
                        "{}/{}: download requested (`bgassets ctl events --follow` shows it)",
                        view.app, view.id
                    );
                }
            }
        }
        CtlCommand::Pause(args) => {
            let changed = connection.pause(args.selection()).await?;
            println!("paused {changed} download{}", plural(changed));
        }
        CtlCommand::Resume(args) => {
            let changed = connection.resume(args.selection()).await?;
            println!("resumed {changed} download{}", plural(changed));
        }
        CtlCommand::Prioritize(args) => {
            let (to, said) = match (args.top, args.up) {
                (true, _) => (Move::Top, "to the top"),
                (_, true) => (Move::Up, "up"),
                _ => (Move::Down, "down"),
            };
            connection.prioritize(&args.app, &args.pack, to).await?;
            println!("moved {}/{} {said}", args.app, args.pack);
        }
        CtlCommand::Remove { app, pack } => {
            let freed = connection.remove(&app, &pack).await?;
            println!("removed {app}/{pack}: freed {}", format_bytes(freed));
        }
        CtlCommand::CheckUpdates { app } => actions::check_updates(connection, app).await?,
        CtlCommand::Set(args) => actions::set(connection, args).await?,
        CtlCommand::Downloads { app, json } => downloads::list(connection, &app, json).await?,
        CtlCommand::Schedule(args) => downloads::schedule(connection, args).await?,
        CtlCommand::CancelDownload { app, identifier } => {
            downloads::cancel(connection, &app, &identifier).await?;
        }
        CtlCommand::Foreground { app, identifier } => {
            downloads::foreground(connection, &app, &identifier).await?;
        }
    }
    Ok(())
}

pub(crate) fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}
