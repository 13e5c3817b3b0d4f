//! `bgassets install-desktop [--uninstall]`: puts bgassets in the desktop's menu (a desktop
//! entry and the hicolor icons under `$XDG_DATA_HOME`), or takes out what it put there.

use clap::Args;

use crate::desktop::{Locations, current_exe, install};

/// `bgassets install-desktop`'s arguments.
#[derive(Debug, Args)]
pub struct InstallDesktopArgs {
    /// Remove the entry and icons `install-desktop` installed (and nothing else).
    #[arg(long)]
    pub uninstall: bool,
}

/// Installs or uninstalls, printing each file changed and each left alone.
pub fn run(args: InstallDesktopArgs) -> anyhow::Result<()> {
    if cfg!(any(target_os = "macos", windows)) {
        return Err(crate::desktop::DesktopError::Unsupported {
            what: "a freedesktop menu entry",
        }
        .into());
    }
    let at = Locations::from_env()?;
    let report = if args.uninstall {
        install::uninstall(&at)?
    } else {
        install::install(&at, &current_exe()?)?
    };
    let verb = if args.uninstall {
        "removed"
    } else {
        "installed"
    };
    for path in &report.changed {
        println!("{verb} {}", path.display());
    }
    let already = if args.uninstall {
        "not there"
    } else {
        "already installed"
    };
    for path in &report.unchanged {
        println!("{already}: {}", path.display());
    }
    for path in &report.left_alone {
        println!("left alone (not bgassets'): {}", path.display());
    }
    for note in &report.notes {
        println!("{note}");
    }
    Ok(())
}
