//! Windows: start at login through the `bgassets` value of the user's `Run` key, read and
//! written with `reg.exe` (part of every Windows), so no registry crate is needed. A value of
//! another form under that name is a user's, left alone. Compiled on every platform (it is
//! plain std) so that it keeps building; only Windows calls it.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::DesktopError;
use super::autostart::Autostart;
use super::launch::{RUN_KEY, RUN_VALUE_NAME, is_our_run_value, run_value, run_value_from_query};

fn at() -> PathBuf {
    PathBuf::from(format!(r"{RUN_KEY}\{RUN_VALUE_NAME}"))
}

fn reg(args: &[&str]) -> Result<std::process::Output, DesktopError> {
    Command::new("reg.exe")
        .args(args)
        .output()
        .map_err(|error| DesktopError::io("run", "reg.exe", error))
}

fn failed(output: &std::process::Output) -> DesktopError {
    DesktopError::Program {
        program: "reg.exe",
        detail: format!(
            "{}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ),
    }
}

/// The `Run` value's state.
pub fn status() -> Result<Autostart, DesktopError> {
    let output = reg(&["query", RUN_KEY, "/v", RUN_VALUE_NAME])?;
    if !output.status.success() {
        // `reg query` fails when the value does not exist.
        return Ok(Autostart::Off { at: at() });
    }
    let text = String::from_utf8_lossy(&output.stdout);
    Ok(match run_value_from_query(&text) {
        Some(data) if is_our_run_value(data) => Autostart::On { at: at() },
        Some(_) => Autostart::Users { at: at() },
        None => Autostart::Off { at: at() },
    })
}

/// Writes the `Run` value for `exe` unless a user's value is there.
pub fn enable(exe: &Path) -> Result<PathBuf, DesktopError> {
    if let Autostart::Users { at } = status()? {
        return Err(DesktopError::NotOurs {
            path: at,
            why: "its value is not the form bgassets writes",
        });
    }
    let data = run_value(exe)?;
    let output = reg(&[
        "add",
        RUN_KEY,
        "/v",
        RUN_VALUE_NAME,
        "/t",
        "REG_SZ",
        "/d",
        &data,
        "/f",
    ])?;
    if !output.status.success() {
        return Err(failed(&output));
    }
    Ok(at())
}

/// Deletes the `Run` value when it is bgassets'.
pub fn disable() -> Result<Autostart, DesktopError> {
    match status()? {
        Autostart::On { at } => {
            let output = reg(&["delete", RUN_KEY, "/v", RUN_VALUE_NAME, "/f"])?;
            if !output.status.success() {
                return Err(failed(&output));
            }
            Ok(Autostart::Off { at })
        }
        Autostart::Users { at } => Err(DesktopError::NotOurs {
            path: at,
            why: "its value is not the form bgassets writes",
        }),
        off => Ok(off),
    }
}
