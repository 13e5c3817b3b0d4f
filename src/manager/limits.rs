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
