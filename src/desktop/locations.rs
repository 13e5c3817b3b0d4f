//! The user's folders, from the environment and validated once: `HOME` must be an absolute
//! path; `XDG_CONFIG_HOME` and `XDG_DATA_HOME` are used when absolute and otherwise ignored, as
//! the XDG Base Directory specification says of relative values.

use std::ffi::OsString;
use std::path::PathBuf;

use super::DesktopError;

/// Where the user's configuration and data live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locations {
    /// The home folder (`HOME`).
    pub home: PathBuf,
    /// `XDG_CONFIG_HOME`, or `HOME/.config`.
    pub config_home: PathBuf,
    /// `XDG_DATA_HOME`, or `HOME/.local/share`.
    pub data_home: PathBuf,
}

impl Locations {
    /// The folders this process's environment names.
    pub fn from_env() -> Result<Self, DesktopError> {
        Self::resolve(
            std::env::var_os("HOME"),
            std::env::var_os("XDG_CONFIG_HOME"),
            std::env::var_os("XDG_DATA_HOME"),
        )
    }

    /// The folders named by `home`, `config_home` and `data_home` (the variables' values).
    pub fn resolve(
        home: Option<OsString>,
        config_home: Option<OsString>,
        data_home: Option<OsString>,
    ) -> Result<Self, DesktopError> {
        let home = absolute("HOME", home)?;
        let config_home = xdg(config_home).unwrap_or_else(|| home.join(".config"));
        let data_home = xdg(data_home).unwrap_or_else(|| home.join(".local/share"));
        Ok(Self {
            home,
            config_home,
            data_home,
        })
    }

    /// The XDG autostart folder.
    pub fn autostart_dir(&self) -> PathBuf {
        self.config_home.join("autostart")
    }

    /// Where the desktop's menu entries live.
    pub fn applications_dir(&self) -> PathBuf {
        self.data_home.join("applications")
    }

    /// The user's hicolor icon theme folder.
    pub fn hicolor_dir(&self) -> PathBuf {
        self.data_home.join("icons/hicolor")
    }

    /// macOS: the user's LaunchAgents folder.
    pub fn launch_agents_dir(&self) -> PathBuf {
        self.home.join("Library/LaunchAgents")
    }
}

/// `value` as an absolute path, or an error naming `variable`.
pub fn absolute(variable: &'static str, value: Option<OsString>) -> Result<PathBuf, DesktopError> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Err(DesktopError::Environment {
            variable,
            problem: "not set".into(),
        });
    };
    let path = PathBuf::from(value);
    if !path.is_absolute() {
        return Err(DesktopError::Environment {
            variable,
            problem: format!("{} (not an absolute path)", path.display()),
        });
    }
    Ok(path)
}

/// An XDG variable's value when it is an absolute path; a relative one is ignored.
fn xdg(value: Option<OsString>) -> Option<PathBuf> {
    let path = PathBuf::from(value?);
    path.is_absolute().then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn os(s: &str) -> Option<OsString> {
        Some(OsString::from(s))
    }

    #[test]
    fn xdg_variables_win_when_absolute() {
        let at = Locations::resolve(os("/home/a"), os("/cfg"), os("/data")).unwrap();
        assert_eq!(at.autostart_dir(), Path::new("/cfg/autostart"));
        assert_eq!(at.applications_dir(), Path::new("/data/applications"));
        assert_eq!(at.hicolor_dir(), Path::new("/data/icons/hicolor"));
    }

    #[test]
    fn relative_or_empty_xdg_variables_are_ignored() {
        let at = Locations::resolve(os("/home/a"), os("cfg"), os("")).unwrap();
        assert_eq!(at.config_home, Path::new("/home/a/.config"));
        assert_eq!(at.data_home, Path::new("/home/a/.local/share"));
    }

    #[test]
    fn home_must_be_set_and_absolute() {
        let missing = Locations::resolve(None, os("/cfg"), None).unwrap_err();
        assert!(missing.to_string().contains("HOME is not set"), "{missing}");
        let relative = Locations::resolve(os("home/a"), None, None).unwrap_err();
        assert!(
            relative.to_string().contains("not an absolute path"),
            "{relative}"
        );
    }
}
