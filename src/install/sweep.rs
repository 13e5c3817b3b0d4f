//! The start-up sweep of app containers: what bgassets made there and no longer needs after a
//! crash or `kill -9` is deleted; nothing else is touched.
//!
//! A crash can leave, in a container: a staging folder (killed while extracting), a temporary
//! link in `.staging` (killed while swapping), a version folder never linked (killed between
//! moving it in and swapping the link), and a replaced version (killed in the
//! [`RETIRE_AFTER`](super::retire::RETIRE_AFTER) before it is deleted). The last one is never
//! needed again and, without this sweep, stays for good once the pack is current.
//!
//! Only the names of [`super::layout`] are recognised, and only in `.staging` and `.versions`:
//! - `.staging/<folder>-<r>-<pid>`: deleted when process `<pid>` is no longer running (on Linux;
//!   elsewhere when it is not this process: the data dir's lock keeps out a second manager);
//! - `.versions/<folder>@<n>`: deleted unless `<container>/<folder>` is bgassets' link to exactly
//!   it. Like a replaced version after a swap, it is deleted `RETIRE_AFTER` later, so a reader
//!   that resolved the link just before the crash still finds its files.
//!
//! A user's file anywhere in a container, a folder of theirs at a pack's place, or an entry of
//! `.staging` or `.versions` with any other name is left as it is. Which entries go is decided by
//! [`plan`], a pure function; [`sweep`] reads the folders and deletes through
//! [`crate::store::remove_tree`] with the container as the owned root.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::InstallError;
use super::layout::{Place, STAGING, VERSIONS, parse_staged, parse_version, place};
use super::retire::retire;
use super::swap::{delete, list};

/// What a container's bookkeeping folders hold, as read from disk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// The names in `.staging`.
    pub staging: Vec<String>,
    /// The names in `.versions`.
    pub versions: Vec<String>,
    /// For each pack folder that has versions, the version its link points at (`None`: no link
    /// of bgassets' is there).
    pub current: BTreeMap<String, Option<u64>>,
}

/// What to delete, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Entries of `.staging` made by processes no longer running: deleted at once.
    pub staging: Vec<String>,
    /// Entries of `.versions` no link points at: deleted after `RETIRE_AFTER`.
    pub versions: Vec<String>,
}

/// Decides what of `found` is bgassets' and no longer needed. `running(pid)` says whether the
/// process that made a staging entry still runs.
pub fn plan(found: &Found, running: impl Fn(u32) -> bool) -> Plan {
    let staging = found
        .staging
        .iter()
        .filter(|name| parse_staged(name).is_some_and(|(_, pid)| !running(pid)))
        .cloned()
        .collect();
    let versions = found
        .versions
        .iter()
        .filter(|name| {
            parse_version(name).is_some_and(|(folder, number)| {
                found.current.get(folder).copied().flatten() != Some(number)
            })
        })
        .cloned()
        .collect();
    Plan { staging, versions }
}

/// What a sweep deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Swept {
    /// Deleted at once.
    pub removed: Vec<PathBuf>,
    /// Being deleted after `RETIRE_AFTER` ([`super::wait_retired`] waits for them).
    pub retiring: Vec<PathBuf>,
}

impl Swept {
    /// Whether the sweep found nothing to delete.
    pub fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.retiring.is_empty()
    }
}

/// Whether process `pid` is running.
fn running(pid: u32) -> bool {
    pid == std::process::id()
        || (cfg!(target_os = "linux") && Path::new("/proc").join(pid.to_string()).exists())
}

/// The names of `dir`'s entries (none when it cannot be read; names that are not UTF-8 are
/// never bgassets').
fn names(dir: &Path) -> Vec<String> {
    list(dir)
        .iter()
        .filter_map(|path| Some(path.file_name()?.to_str()?.to_string()))
        .collect()
}

/// Reads what `container`'s bookkeeping folders hold.
pub fn find(container: &Path) -> Result<Found, InstallError> {
    let staging = names(&container.join(STAGING));
    let versions = names(&container.join(VERSIONS));
    let mut current = BTreeMap::new();
    for (folder, _) in versions.iter().filter_map(|name| parse_version(name)) {
        if !current.contains_key(folder) {
            let linked = match place(container, folder)? {
                Place::Ours(number) => Some(number),
                Place::Free | Place::Theirs(_) => None,
            };
            current.insert(folder.to_string(), linked);
        }
    }
    Ok(Found {
        staging,
        versions,
        current,
    })
}

/// Sweeps one container (see the module's documentation). Call it when no install into
/// `container` is running in this process.
pub fn sweep(container: &Path) -> Result<Swept, InstallError> {
    let plan = plan(&find(container)?, running);
    let mut swept = Swept::default();
    for name in plan.staging {
        let path = container.join(STAGING).join(name);
        delete(container, &path)?;
        swept.removed.push(path);
    }
    swept.retiring = plan
        .versions
        .into_iter()
        .map(|name| container.join(VERSIONS).join(name))
        .collect();
    retire(container, swept.retiring.clone());
    Ok(swept)
}

/// Sweeps every container in `containers_dir` (its real folders; links are not followed).
pub fn sweep_all(containers_dir: &Path) -> Vec<(PathBuf, Result<Swept, InstallError>)> {
    list(containers_dir)
        .into_iter()
        .filter(|path| std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()))
        .map(|container| {
            let result = sweep(&container);
            (container, result)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn staging_of_dead_processes_goes_and_nothing_else() {
        let found = Found {
            staging: strings(&[
                "Pack-12-100",    // dead process
                "Pack-13-200",    // running
                "Level-2-14-100", // dead, a folder with `-` and digits
                "notes.txt",      // the user's
                "Pack-x-100",     // not a staging name
                ".hidden-1-100",  // not a pack folder
            ]),
            ..Found::default()
        };
        let plan = plan(&found, |pid| pid == 200);
        assert_eq!(plan.staging, strings(&["Pack-12-100", "Level-2-14-100"]));
        assert!(plan.versions.is_empty());
    }

    #[test]
    fn every_version_but_the_linked_one_goes() {
        let found = Found {
            versions: strings(&[
                "Pack@1", "Pack@2", "Pack@3", "Gone@4", "Mine@5", "readme", "Pack@x", "Pack@",
            ]),
            current: BTreeMap::from([
                ("Pack".to_string(), Some(2)),
                ("Gone".to_string(), None),
                ("Mine".to_string(), None),
            ]),
            ..Found::default()
        };
        let plan = plan(&found, |_| false);
        assert_eq!(
            plan.versions,
            strings(&["Pack@1", "Pack@3", "Gone@4", "Mine@5"])
        );
        assert!(plan.staging.is_empty());
    }

    #[test]
    fn a_clean_container_plans_nothing() {
        let found = Found {
            versions: strings(&["A@3", "B@1"]),
            current: BTreeMap::from([("A".to_string(), Some(3)), ("B".to_string(), Some(1))]),
            ..Found::default()
        };
        assert_eq!(plan(&found, |_| false), Plan::default());
    }
}
