//! "Check for updates" and its result: the window notes each app's last check when the button
//! is pressed; the check is done for an app once the manager shows a later one. The result
//! says how many apps were checked, how many packs have an update, and which manifests could
//! not be read. Pure: read from the status document, so it works the same in-process and over
//! the socket, and is tested in place.

use crate::manager::view::StatusDocument;

/// A check the person started: each app's last check time before it.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateCheck {
    before: Vec<(String, Option<u64>)>,
}

/// Where a check stands.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckOutcome {
    /// Manifests are being read: `done` of `of` apps.
    Checking {
        /// Apps checked so far.
        done: usize,
        /// Apps to check.
        of: usize,
    },
    /// Every app was checked.
    Done {
        /// Apps checked.
        apps: usize,
        /// Packs whose listed version is newer than the installed one.
        updates: usize,
        /// `"App: why"` for each manifest that could not be read.
        errors: Vec<String>,
    },
}

impl UpdateCheck {
    /// A check started now, on the apps of `document`.
    pub fn start(document: &StatusDocument) -> Self {
        Self {
            before: document
                .apps
                .iter()
                .map(|app| (app.bundle_id.clone(), app.last_checked_ms))
                .collect(),
        }
    }

    /// Where the check stands in `document`.
    pub fn outcome(&self, document: &StatusDocument) -> CheckOutcome {
        let done = self
            .before
            .iter()
            .filter(|(id, before)| {
                document
                    .app(id)
                    .is_none_or(|app| app.last_checked_ms > *before)
            })
            .count();
        if done < self.before.len() {
            return CheckOutcome::Checking {
                done,
                of: self.before.len(),
            };
        }
        let checked = || self.before.iter().filter_map(|(id, _)| document.app(id));
        CheckOutcome::Done {
            apps: self.before.len(),
            updates: checked()
                .flat_map(|app| &app.packs)
                .filter(|p| matches!((p.installed_version, p.listed_version), (Some(i), Some(l)) if l > i))
                .count(),
            errors: checked()
                .filter_map(|app| {
                    let error = app.manifest_error.as_ref()?;
                    Some(format!("{}: {}", app.name, error.message))
                })
                .collect(),
        }
    }
}

impl CheckOutcome {
    /// `"Checked 2 apps: 1 update"`, `"Checking for updates… 1 of 2 apps"`, with errors.
    pub fn sentence(&self) -> String {
        match self {
            Self::Checking { done, of } => format!("Checking for updates… {done} of {of} apps"),
            Self::Done {
                apps,
                updates,
                errors,
            } => {
                let apps = plural(*apps, "app");
                let updates = match updates {
                    0 => "no updates".to_owned(),
                    n => plural(*n, "update"),
                };
                let mut text = format!("Checked {apps}: {updates}");
                if !errors.is_empty() {
                    text.push_str(&format!(
                        "; {} failed: {}",
                        plural(errors.len(), "manifest"),
                        errors.join("; ")
                    ));
                }
                text
            }
        }
    }

    /// Whether it ended with a manifest that could not be read.
    pub fn has_errors(&self) -> bool {
        matches!(self, Self::Done { errors, .. } if !errors.is_empty())
    }
}

/// When every app was last checked: the oldest app's last check (`None` if one never was).
pub fn last_checked(document: &StatusDocument) -> Option<u64> {
    document
        .apps
        .iter()
        .map(|app| app.last_checked_ms)
        .min()
        .flatten()
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gui::fixture;
    use crate::model::{ErrorKind, PackError};

    #[test]
    fn a_check_is_done_when_every_app_was_checked_again() {
        let mut document = fixture::every_state();
        let check = UpdateCheck::start(&document);
        assert_eq!(
            check.outcome(&document),
            CheckOutcome::Checking { done: 0, of: 2 }
        );
        document.apps[0].last_checked_ms = Some(1_700_000_100_000);
        let outcome = check.outcome(&document);
        assert_eq!(outcome.sentence(), "Checking for updates… 1 of 2 apps");
        document.apps[1].last_checked_ms = Some(1_700_000_100_000);
        let outcome = check.outcome(&document);
        assert_eq!(outcome.sentence(), "Checked 2 apps: 1 update");
        assert!(!outcome.has_errors());
    }

    #[test]
    fn a_manifest_that_failed_is_named() {
        let mut document = fixture::every_state();
        let check = UpdateCheck::start(&document);
        for app in &mut document.apps {
            app.last_checked_ms = Some(1_800_000_000_000);
        }
        document.apps[1].manifest_error = Some(PackError::new(
            ErrorKind::Network,
            "connection refused by 127.0.0.1:9",
        ));
        let outcome = check.outcome(&document);
        assert!(outcome.has_errors());
        assert_eq!(
            outcome.sentence(),
            "Checked 2 apps: 1 update; 1 manifest failed: Empty App: connection refused by 127.0.0.1:9"
        );
    }

    #[test]
    fn an_app_removed_meanwhile_counts_as_done_and_the_last_check_is_the_oldest() {
        let mut document = fixture::every_state();
        let check = UpdateCheck::start(&document);
        document.apps.remove(1);
        document.apps[0].last_checked_ms = Some(1_700_000_500_000);
        assert!(matches!(
            check.outcome(&document),
            CheckOutcome::Done { .. }
        ));
        let mut document = fixture::every_state();
        document.apps[1].last_checked_ms = Some(1_600_000_000_000);
        assert_eq!(last_checked(&document), Some(1_600_000_000_000));
        document.apps[1].last_checked_ms = None;
        assert_eq!(last_checked(&document), None);
    }
}
