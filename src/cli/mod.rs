//! The command line: one file per subcommand; each parses its arguments, calls the library and
//! prints. Errors are printed with their whole chain of causes and exit non-zero.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod autostart;
pub mod ctl;
pub mod daemon;
pub mod download;
pub mod gui;
pub mod install_desktop;
pub mod pack;
pub mod pack_publish;
pub mod serve;
pub mod sync;
pub mod words;

/// An open implementation of Apple's Background Assets for desktop apps.
#[derive(Debug, Parser)]
#[command(name = "bgassets", version, about)]
pub struct Cli {
    /// Keep the manager's config, state, containers and socket under this folder instead of the
    /// platform's folders (also `BGASSETS_HOME`).
    #[arg(long, global = true, env = "BGASSETS_HOME", value_name = "DIR")]
    pub data_dir: Option<std::path::PathBuf>,
    /// With no subcommand: open the window on the embedded demo (a mock server, bandwidth-capped,
    /// and a demo app in a scratch data dir).
    #[arg(long)]
    pub demo: bool,
    /// With no subcommand: start in the tray without showing the window (it is shown anyway
    /// when no tray host is present, so that it can always be reached).
    #[arg(long)]
    pub minimized: bool,
    /// Without one, `bgassets` opens the desktop window.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands of `bgassets`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start bgassets at login (in the tray), or not: `on`, `off`, `status`.
    #[command(subcommand)]
    Autostart(autostart::AutostartCommand),
    /// Talk to a running manager: status, events, register, ensure, pause, resume…
    Ctl(ctl::CtlArgs),
    /// Run the manager with no window, serving apps over the local socket.
    Daemon(daemon::DaemonArgs),
    /// Put bgassets in the desktop's menu (entry and icons), or take it out with --uninstall.
    InstallDesktop(install_desktop::InstallDesktopArgs),
    /// Download one URL through the engine: resume, checksum, priority, bandwidth limit.
    Download(download::DownloadArgs),
    /// Package asset packs: a manifest template, a pack archive, the server manifest.
    #[command(subcommand)]
    Pack(pack::PackCommand),
    /// One-shot: register an app, install what its first installation asks for, report.
    Sync(sync::SyncArgs),
    /// Serve packs and their manifest locally, with Range/ETag, optional TLS and fault injection.
    Serve(serve::ServeArgs),
}

/// Runs the command line and turns any error into a message on stderr and a failing exit code.
pub fn main() -> ExitCode {
    crate::engine::allocator::tune();
    let cli = Cli::parse();
    init_logging();
    let result = match cli.command {
        None => gui::run(cli.demo, cli.minimized, cli.data_dir.clone()),
        Some(Command::Autostart(command)) => autostart::run(command),
        Some(Command::InstallDesktop(args)) => install_desktop::run(args),
        Some(Command::Ctl(args)) => ctl::run(args, cli.data_dir.clone()),
        Some(Command::Daemon(args)) => daemon::run(args, cli.data_dir.clone()),
        Some(Command::Download(args)) => download::run(args),
        Some(Command::Pack(command)) => pack::run(command),
        Some(Command::Serve(args)) => serve::run(args),
        Some(Command::Sync(args)) => sync::run(args, cli.data_dir.clone()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            print_error(&error);
            ExitCode::from(ctl::exit_code(&error))
        }
    }
}

/// Prints `error: …` followed by one `caused by: …` line per source in the chain.
pub fn print_error(error: &anyhow::Error) {
    eprintln!("error: {error}");
    for cause in error.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
}

/// Logs go to stderr; `RUST_LOG` chooses the level (info by default). They are coloured only
/// when stderr is a terminal and `NO_COLOR` is not set: a log file or a pipe gets plain text.
fn init_logging() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let colour = log_colour(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .with_target(false)
        .try_init();
}

/// Whether logs carry ANSI colour codes: only on a terminal, and never when `NO_COLOR` is set
/// to anything but the empty string (<https://no-color.org>).
pub fn log_colour(stderr_is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    stderr_is_terminal && no_color.is_none_or(|value| value.is_empty())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }

    #[test]
    fn logs_are_coloured_only_on_a_terminal_without_no_color() {
        use super::log_colour;
        use std::ffi::OsStr;
        assert!(log_colour(true, None));
        assert!(
            log_colour(true, Some(OsStr::new(""))),
            "an empty NO_COLOR is unset"
        );
        assert!(!log_colour(true, Some(OsStr::new("1"))));
        assert!(!log_colour(false, None), "a file or a pipe gets plain text");
        assert!(!log_colour(false, Some(OsStr::new("1"))));
    }
}
