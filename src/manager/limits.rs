//! Whether the manager may download a pack: the size caps and allowances of the app's
//! Info.plist, checked before any byte is downloaded. Pure functions of the state.

use super::state::AppRecord;
use crate::model::{ErrorKind, InstallationEvent, ManifestPack, PackError};

/// Whether the policy of `pack` downloads it at `event` (essential and prefetch packs).
pub fn policy_wants(pack: &ManifestPack, event: InstallationEvent) -> bool {
    pack.download_policy.downloads_at(event)
}

/// Checks that downloading `pack` keeps the app within its limits:
/// - essential packs: `BAEssentialMaxInstallSize` over all installed and wanted essential packs,
///   and `BAEssentialDownloadAllowance` over the essential bytes of the initial download;
/// - other packs: `BAMaxInstallSize` over all installed and wanted non-essential packs, and
///   `BADownloadAllowance` over the initial download (first installation, essential and
///   prefetch packs).
///
/// The error names the limit and the numbers.
pub fn check_limits(record: &AppRecord, pack: &ManifestPack) -> Result<(), PackError> {
    let app = &record.app;
    let essential = pack.download_policy.is_essential();
    let counted = |p: &ManifestPack| p.download_policy.is_essential() == essential;
    let mut install_total = pack.install_size;
    for (id, other) in &record.packs {
        if id == pack.id.as_str() {
            continue;
        }
        let listed = other.observed.listed.as_ref();
        if let Some(installed) = &other.observed.installed
            && listed.is_none_or(&counted)
        {
            install_total = add(install_total, installed.bytes, id, "installed bytes")?;
        } else if other.intent.wanted.is_some()
            && let Some(listed) = listed.filter(|l| counted(l))
        {
            install_total = add(install_total, listed.install_size, id, "installSize")?;
        }
    }
    let (cap, cap_name) = if essential {
        (app.essential_max_install_size, "BAEssentialMaxInstallSize")
    } else {
        (app.max_install_size, "BAMaxInstallSize")
    };
    if let Some(cap) = cap
        && install_total > cap
    {
        return Err(PackError::new(
            ErrorKind::InstallSizeExceeded,
            format!(
                "pack `{}` would bring installed {} packs to {install_total} bytes, over {cap_name} ({cap} bytes)",
                pack.id,
                if essential {
                    "essential"
                } else {
                    "non-essential"
                }
            ),
        ));
    }
    if record.event == InstallationEvent::FirstInstallation
        && policy_wants(pack, InstallationEvent::FirstInstallation)
    {
        check_allowance(record, pack)?;
    }
    Ok(())
}

/// `total + size`, or an `invalidManifest` naming the pack and field whose size made the sum
/// overflow: sizes come from the server, and a wrapped sum would slip under any cap.
fn add(total: u64, size: u64, pack: &str, field: &str) -> Result<u64, PackError> {
    total.checked_add(size).ok_or_else(|| {
        PackError::new(
            ErrorKind::InvalidManifest,
            format!(
                "pack `{pack}`'s {field} ({size} bytes) makes the app's total overflow 2^64 bytes"
            ),
        )
    })
}

/// The allowances of `BAInitialDownloadRestrictions`, for the initial download.
fn check_allowance(record: &AppRecord, pack: &ManifestPack) -> Result<(), PackError> {
    let restrictions = &record.app.restrictions;
    let initial = |p: &ManifestPack| policy_wants(p, InstallationEvent::FirstInstallation);
    let mut all = pack.download_size;
    let mut essential = if pack.download_policy.is_essential() {
        pack.download_size
    } else {
        0
    };
    for (id, other) in &record.packs {
        let Some(listed) = other.observed.listed.as_ref().filter(|l| initial(l)) else {
            continue;
        };
        if id == pack.id.as_str()
            || !(other.intent.wanted.is_some() || other.observed.installed.is_some())
        {
            continue;
        }
        all = add(all, listed.download_size, id, "downloadSize")?;
        if listed.download_policy.is_essential() {
            essential = add(essential, listed.download_size, id, "downloadSize")?;
        }
    }
    let essential_allowance = restrictions
        .essential_download_allowance
        .filter(|_| pack.download_policy.is_essential());
    let checks = [
        (restrictions.download_allowance, all, "BADownloadAllowance"),
        (
            essential_allowance,
            essential,
            "BAEssentialDownloadAllowance",
        ),
    ];
    for (allowance, total, name) in checks {
        if let Some(allowance) = allowance
            && total > allowance
        {
            return Err(PackError::new(
                ErrorKind::DownloadWouldExceedAllowance,
                format!(
                    "pack `{}` would bring the initial download to {total} bytes, over {name} ({allowance} bytes)",
                    pack.id
                ),
            ));
        }
    }
    Ok(())
}

/// Whether every pack of the app that is installed or wanted, counting the packs of `asked` as
/// wanted, fits every cap and allowance of the app at once. Then no check of one of them can
/// fail because of the others, whatever order they are wanted in, and `ensure`s arriving
/// together may be planned together; otherwise they are planned one after another, so the
/// first asked gets the room (an upper bound: installed bytes and install sizes both count).
pub fn fit_together(record: &AppRecord, asked: &std::collections::HashSet<&str>) -> bool {
    let app = &record.app;
    let restrictions = &app.restrictions;
    let limited = [
        app.max_install_size,
        app.essential_max_install_size,
        restrictions.download_allowance,
        restrictions.essential_download_allowance,
    ];
    if limited.iter().all(Option::is_none) {
        return true;
    }
    // [non-essential install, essential install, initial download, essential initial download]
    let mut totals = [Some(0u64); 4];
    let mut count = |slot: usize, bytes: u64| {
        totals[slot] = totals[slot].and_then(|t| t.checked_add(bytes));
    };
    for (id, pack) in &record.packs {
        let listed = pack.observed.listed.as_ref();
        let wanted = pack.intent.wanted.is_some() || asked.contains(id.as_str());
        let essential = listed.is_some_and(|l| l.download_policy.is_essential());
        if let Some(installed) = &pack.observed.installed {
            count(usize::from(essential), installed.bytes);
        }
        let Some(listed) = listed.filter(|_| wanted || pack.observed.installed.is_some()) else {
            continue;
        };
        if wanted {
            count(usize::from(essential), listed.install_size);
        }
        if policy_wants(listed, InstallationEvent::FirstInstallation) {
            count(2, listed.download_size);
            if essential {
                count(3, listed.download_size);
            }
        }
    }
    limited
        .iter()
        .zip([totals[0], totals[1], totals[2], totals[3]])
        .all(|(limit, total)| match (limit, total) {
            (None, _) => true,
            (Some(limit), Some(total)) => total <= *limit,
            (Some(_), None) => false,
        })
}
