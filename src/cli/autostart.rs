//! `bgassets autostart on|off|status`: start bgassets at login (in the tray, `--minimized`), or
//! not. The window's preference calls the same functions ([`crate::desktop::autostart`]).

use clap::Subcommand;

use crate::desktop::autostart::{self, Autostart};

/// What `bgassets autostart` does.
#[derive(Debug, Clone, Copy, Subcommand)]
pub enum AutostartCommand {
    /// Start bgassets at login, in the tray.
    On,
    /// Stop starting bgassets at login (removes only bgassets' own entry).
    Off,
    /// Say whether bgassets starts at login, and from which entry.
    Status,
}

/// Runs `command`, printing the state afterwards; a user's entry in the way is an error.
pub fn run(command: AutostartCommand) -> anyhow::Result<()> {
    let state = match command {
        AutostartCommand::On => Autostart::On {
            at: autostart::enable()?,
        },
        AutostartCommand::Off => autostart::disable()?,
        AutostartCommand::Status => autostart::status()?,
    };
    println!("{state}");
    Ok(())
}
