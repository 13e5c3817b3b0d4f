//! Reading and writing `state.json`: a missing file is an empty state, an unreadable one is set
//! aside; older versions are migrated, newer ones refused.

use std::path::Path;

use serde::Deserialize;

use super::{ManagerState, STATE_VERSION, state_version, v1};

/// Reads the state at `path`: a missing file is an empty state; an unreadable one is set aside
/// (`state.corrupt.json`) with a warning, and installed files stay where they are.
pub fn load(path: &Path) -> ManagerState {
    crate::store::forgiving::load(path, "the manager's state", parse).unwrap_or_default()
}

/// The version a state file says it has.
#[derive(Deserialize)]
struct VersionOnly {
    #[serde(default = "state_version")]
    version: u32,
}

/// Parses a state file of any version this bgassets knows (older ones migrated).
pub fn parse(text: &str) -> Result<ManagerState, String> {
    let VersionOnly { version } = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if version > STATE_VERSION {
        return Err(format!(
            "state version {version} is newer than this bgassets ({STATE_VERSION})"
        ));
    }
    let state = if version <= 1 {
        v1::migrate(text)?
    } else {
        serde_json::from_str(text).map_err(|e| e.to_string())?
    };
    let ManagerState {
        mut apps,
        paused_all,
        ..
    } = state;
    apps.retain(|key, record| {
        let same = key == record.app.bundle_id.as_str();
        if !same {
            tracing::warn!(
                "the state lists app `{}` under the key `{}`; that entry is dropped",
                record.app.bundle_id,
                key.escape_debug()
            );
        }
        same
    });
    Ok(ManagerState {
        version: STATE_VERSION,
        paused_all,
        apps,
    })
}

#[cfg(test)]
mod tests {
    const V2: &str = include_str!("../../../tests/data/state/v2.json");
    const V2_DOWNLOADS: &str = include_str!("../../../tests/data/state/v2-app-downloads.json");

    #[test]
    fn app_downloads_are_saved_with_their_app_and_older_files_have_none() {
        use crate::manager::downloads::{AppDownloadState, Scheduler};
        let old = super::parse(V2).unwrap();
        assert!(old.apps["org.example.game"].downloads.is_empty());
        let state = super::parse(V2_DOWNLOADS).unwrap();
        let downloads = &state.apps["org.example.game"].downloads;
        let config = &downloads["config.json"];
        assert!(matches!(config.state, AppDownloadState::Finished { .. }));
        assert_eq!(
            config.placed,
            Some(
                "/tmp/.tmpuPNLGw/containers/group.org.example/Background Downloads/config.json"
                    .into()
            )
        );
        let level = &downloads["level-2.bin"];
        assert_eq!(
            level.scheduled_by,
            Scheduler::Extension {
                content: crate::model::ContentKind::Install
            }
        );
        assert!(level.spec.essential && level.foreground);
        assert_eq!(level.spec.headers[0].value, "Bearer fixture-token");
        let again = super::parse(&serde_json::to_string(&state).unwrap()).unwrap();
        assert_eq!(again, state, "what is saved loads back the same");
    }

    #[test]
    fn a_version_2_file_keeps_pause_all_and_a_pack_resumed_under_it() {
        let state = super::parse(V2).unwrap();
        assert!(state.paused_all);
        let app = &state.apps["org.example.game"];
        let bonus = &app.packs["Bonus"];
        assert_eq!(bonus.intent.paused, Some(false));
        assert!(
            !state.is_paused(app, bonus),
            "resumed by the user while all are paused"
        );
        assert!(state.is_paused(app, &app.packs["Tutorial"]));
        let again = super::parse(&serde_json::to_string(&state).unwrap()).unwrap();
        assert_eq!(again, state, "what is saved loads back the same");
    }
}
