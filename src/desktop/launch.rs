//! The autostart entry's macOS and Windows forms, as pure text so that they are tested on every
//! platform: a LaunchAgent property list (`~/Library/LaunchAgents/org.bgassets.autostart.plist`,
//! marked by the `X-bgassets-Autostart` key), and the `Run` key's value (`"EXE" --minimized`
//! under the value name `bgassets`; a value is bgassets' when it has exactly that form).

use std::path::Path;

use super::DesktopError;
use super::entry::{AUTOSTART_MARKER, MINIMIZED};

/// The LaunchAgent's label (also its file's stem).
pub const LAUNCH_AGENT_LABEL: &str = "org.bgassets.autostart";
/// The name of the value under `HKCU\Software\Microsoft\Windows\CurrentVersion\Run`.
pub const RUN_VALUE_NAME: &str = "bgassets";
/// The `Run` key.
pub const RUN_KEY: &str = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Run";

/// The LaunchAgent starting `exe --minimized` at login.
pub fn launch_agent(exe: &Path) -> Result<String, DesktopError> {
    let exe = exe.to_str().ok_or_else(|| DesktopError::ExecutablePath {
        path: exe.to_path_buf(),
        problem: "not UTF-8",
    })?;
    Ok(format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>{LAUNCH_AGENT_LABEL}</string>
	<key>ProgramArguments</key>
	<array>
		<string>{}</string>
		<string>{MINIMIZED}</string>
	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>{AUTOSTART_MARKER}</key>
	<true/>
</dict>
</plist>
"#,
        xml_escape(exe)
    ))
}

/// Whether the property list `bytes` is a LaunchAgent bgassets wrote (its marker is `true`).
pub fn is_our_launch_agent(bytes: &[u8]) -> bool {
    plist::Value::from_reader_xml(bytes)
        .ok()
        .and_then(|value| value.into_dictionary())
        .and_then(|dict| {
            dict.get(AUTOSTART_MARKER)
                .and_then(plist::Value::as_boolean)
        })
        .unwrap_or(false)
}

/// The `Run` value starting `exe --minimized`.
pub fn run_value(exe: &Path) -> Result<String, DesktopError> {
    let text = exe.to_str().ok_or_else(|| DesktopError::ExecutablePath {
        path: exe.to_path_buf(),
        problem: "not UTF-8",
    })?;
    if text.contains('"') || text.chars().any(char::is_control) {
        return Err(DesktopError::ExecutablePath {
            path: exe.to_path_buf(),
            problem: "it holds a quote or a control character",
        });
    }
    Ok(format!("\"{text}\" {MINIMIZED}"))
}

/// Whether a `Run` value's data is one bgassets wrote: `"…bgassets[.exe]" --minimized`.
pub fn is_our_run_value(data: &str) -> bool {
    let Some(quoted) = data
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix(&format!("\" {MINIMIZED}")))
    else {
        return false;
    };
    let name = quoted.rsplit(['\\', '/']).next().unwrap_or_default();
    !quoted.contains('"') && (name.eq_ignore_ascii_case("bgassets.exe") || name == "bgassets")
}

/// The data of the `bgassets` value in `reg query` output, if the output lists it.
pub fn run_value_from_query(output: &str) -> Option<&str> {
    output.lines().find_map(|line| {
        let rest = line.trim_start().strip_prefix(RUN_VALUE_NAME)?;
        let rest = rest.trim_start().strip_prefix("REG_SZ")?;
        Some(rest.trim())
    })
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_launch_agent_is_a_valid_plist_marked_as_ours() {
        let text = launch_agent(Path::new("/Applications/A & B/bgassets")).unwrap();
        let value = plist::Value::from_reader_xml(text.as_bytes()).unwrap();
        let dict = value.as_dictionary().unwrap();
        assert_eq!(
            dict.get("Label").and_then(plist::Value::as_string),
            Some(LAUNCH_AGENT_LABEL)
        );
        let args = dict.get("ProgramArguments").unwrap().as_array().unwrap();
        assert_eq!(args[0].as_string(), Some("/Applications/A & B/bgassets"));
        assert!(is_our_launch_agent(text.as_bytes()));
        let users = text.replace(AUTOSTART_MARKER, "X-someone-else");
        assert!(!is_our_launch_agent(users.as_bytes()));
        assert!(!is_our_launch_agent(b"not a plist"));
    }

    #[test]
    fn run_values_are_ours_only_in_the_form_bgassets_writes() {
        let ours = run_value(Path::new(r"C:\Program Files\bgassets\bgassets.exe")).unwrap();
        assert_eq!(
            ours,
            r#""C:\Program Files\bgassets\bgassets.exe" --minimized"#
        );
        assert!(is_our_run_value(&ours));
        assert!(!is_our_run_value(r#""C:\Tools\other.exe" --minimized"#));
        assert!(!is_our_run_value(r"C:\bgassets.exe"));
        assert!(!is_our_run_value(
            r#""C:\x\bgassets.exe" --minimized --evil"#
        ));
    }

    #[test]
    fn the_run_value_is_read_from_reg_query_output() {
        let output = "\r\nHKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\r\n    bgassets    REG_SZ    \"C:\\b\\bgassets.exe\" --minimized\r\n\r\n";
        assert_eq!(
            run_value_from_query(output),
            Some(r#""C:\b\bgassets.exe" --minimized"#)
        );
        assert_eq!(run_value_from_query("nothing here"), None);
    }
}
