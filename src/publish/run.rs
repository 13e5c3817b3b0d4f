//! A publish and a prune, end to end: read the site, list the store, decide ([`plan`],
//! [`prune_plan`]), report the decision, then act in the safe order: the record of what is
//! about to be written, archives and files, then the manifest. A dry run stops after the
//! report; a publish that would overwrite what bgassets did not write is refused.

use std::collections::BTreeSet;
use std::path::PathBuf;

use futures_util::{TryStreamExt, stream};

use super::credentials;
use super::names::{
    ARCHIVES_FOLDER, MANIFEST_NAME, RECORDS_FOLDER, parse_archive_name, parse_record_name,
    record_name,
};
use super::plan::{PublishPlan, RemoteState, Wanted, missing_archives, plan};
use super::prune::{PrunePlan, prune_plan};
use super::records::{manifest_on_record, read_record};
use super::remote::{NO_CACHE, Remote, SHORT_LIVED};
use super::report::report_plan;
use super::site::read_site;
use super::upload::{Limiter, upload};
use super::{Destination, PublishError};
use crate::manager::fetch::MAX_MANIFEST_BYTES;
use crate::model::size::format_bytes;
use crate::model::{ServerManifest, Sha256Digest};

/// What `pack publish` was asked.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// The site folder (`manifest.json` and what it names).
    pub site: PathBuf,
    /// Where it goes.
    pub destination: Destination,
    /// The store's endpoint; AWS when `None`.
    pub endpoint: Option<String>,
    /// Report the plan only.
    pub dry_run: bool,
    /// A byte rate limit for uploads.
    pub rate: Option<u64>,
    /// Objects uploaded at once.
    pub concurrency: usize,
    /// Folders where the same site is (or will be) published too: each pack lists its archive
    /// there as a mirror.
    pub mirror_bases: Vec<url::Url>,
}

/// What `pack prune` was asked.
#[derive(Debug, Clone)]
pub struct PruneOptions {
    /// Where the site was published.
    pub destination: Destination,
    /// The store's endpoint; AWS when `None`.
    pub endpoint: Option<String>,
    /// How many of the newest publishes keep their archives.
    pub keep: usize,
    /// Report the plan only.
    pub dry_run: bool,
}

/// Where a publish or prune tells what it does.
pub trait Reporter: Sync {
    /// A line for people.
    fn line(&self, text: &str);
    /// Uploads of `total` bytes begin.
    fn begin_bytes(&self, total: u64);
    /// `bytes` more were sent.
    fn bytes(&self, bytes: u64);
    /// Uploads are over.
    fn end_bytes(&self);
}

/// Connects to the destination with credentials from the environment.
fn connect(destination: &Destination, endpoint: Option<&str>) -> Result<Remote, PublishError> {
    let (credentials, region) =
        credentials::resolve(&|key| std::env::var(key).ok()).map_err(|problem| {
            PublishError::NoCredentials {
                bucket: destination.bucket().to_string(),
                problem,
            }
        })?;
    Remote::new(destination, endpoint, &credentials, &region)
}

/// Publishes the site; returns the plan that was carried out (or only reported, for a dry run).
pub async fn publish(
    options: &PublishOptions,
    reporter: &dyn Reporter,
) -> Result<PublishPlan, PublishError> {
    let site = read_site(&options.site, &options.mirror_bases)?;
    for (path, reason) in &site.skipped {
        reporter.line(&format!("not published: {}: {reason}", path.display()));
    }
    let remote = connect(&options.destination, options.endpoint.as_deref())?;
    let objects = remote.list("").await?;
    let manifest_sha256 = if objects.contains_key(MANIFEST_NAME) {
        remote
            .read(MANIFEST_NAME, MAX_MANIFEST_BYTES)
            .await?
            .map(|bytes| Sha256Digest::of(&bytes))
    } else {
        None
    };
    let last_number = objects.keys().filter_map(|n| parse_record_name(n)).max();
    let last_record = match last_number {
        Some(number) => Some(read_record(&remote, number).await?),
        None => None,
    };
    let manifest_recorded = match manifest_sha256 {
        Some(sha256) => manifest_on_record(&remote, &objects, last_record.as_ref(), sha256).await?,
        None => false,
    };
    let remote_state = RemoteState {
        objects,
        manifest_sha256,
        last_record,
        manifest_recorded,
    };
    let plan = plan(&site.wanted, site.manifest_sha256, &remote_state);
    report_plan(&plan, &options.destination, options.dry_run, reporter);
    if (options.dry_run && plan.foreign.is_empty()) || plan.is_empty() {
        return Ok(plan);
    }
    if !plan.foreign.is_empty() {
        return Err(PublishError::Refused {
            bucket: options.destination.bucket().to_string(),
            keys: plan
                .foreign
                .iter()
                .map(|name| options.destination.key(name))
                .collect(),
        });
    }
    // The record first: it names what this publish is about to write, so a rerun after an
    // interruption knows those objects are its own. The manifest still goes last.
    if let Some(record) = &plan.record {
        let name = record_name(record.number);
        let written = remote
            .put_new(&name, record.to_json().into(), NO_CACHE, "application/json")
            .await?;
        if !written {
            // Another publish to the same place took this number since it was listed: its
            // record is left as it is, and nothing of this one is written.
            return Err(PublishError::Remote {
                bucket: options.destination.bucket().to_string(),
                key: options.destination.key(&name),
                problem: "another publish to the same place wrote this record first (two \
                          publishes at once?); nothing was uploaded: run the publish again"
                    .into(),
            });
        }
        reporter.line(&format!("recorded publish {} ({name})", record.number));
    }
    let limiter = options.rate.map(Limiter::new);
    let progress = |bytes: u64| reporter.bytes(bytes);
    reporter.begin_bytes(plan.upload_bytes());
    let result = stream::iter(plan.uploads.iter().map(Ok))
        .try_for_each_concurrent(options.concurrency.max(1), |step| {
            let (remote, limiter, progress) = (&remote, limiter.as_ref(), &progress);
            async move {
                reporter.line(&format!(
                    "uploading {} ({})",
                    step.object.name,
                    format_bytes(step.object.size)
                ));
                upload(remote, &step.object, limiter, progress).await?;
                reporter.line(&format!("uploaded {}", step.object.name));
                Ok::<(), PublishError>(())
            }
        })
        .await;
    reporter.end_bytes();
    result?;
    if plan.write_manifest {
        check_archives_in_place(&remote, &site.wanted).await?;
        remote
            .put(
                MANIFEST_NAME,
                site.manifest_json.clone().into(),
                SHORT_LIVED,
                "application/json",
            )
            .await?;
        reporter.line(&format!("wrote {MANIFEST_NAME}"));
    }
    Ok(plan)
}

/// Refuses to write the manifest when an archive it names is no longer in the store: one kept
/// because it was in place at the listing may have been deleted since (a `pack prune` that read
/// the records before this publish wrote its own, or another tool).
async fn check_archives_in_place(remote: &Remote, wanted: &[Wanted]) -> Result<(), PublishError> {
    let listing = remote.list(ARCHIVES_FOLDER).await?;
    let missing = missing_archives(wanted, &listing);
    if missing.is_empty() {
        return Ok(());
    }
    Err(PublishError::Remote {
        bucket: remote.destination().bucket().to_string(),
        key: remote.destination().key(MANIFEST_NAME),
        problem: format!(
            "not written: it would name {}, no longer in the store (deleted while this publish ran: a `pack prune` or another tool?); run the publish again to upload them",
            missing.join(", ")
        ),
    })
}

/// Deletes archives no recent publish names; returns the plan carried out (or reported).
pub async fn prune(
    options: &PruneOptions,
    reporter: &dyn Reporter,
) -> Result<PrunePlan, PublishError> {
    if options.keep == 0 {
        return Err(PublishError::Usage(
            "--keep must be at least 1: the newest publish always keeps its archives".into(),
        ));
    }
    let remote = connect(&options.destination, options.endpoint.as_deref())?;
    let objects = remote.list("").await?;
    let mut records = Vec::new();
    for number in objects.keys().filter_map(|n| parse_record_name(n)) {
        records.push(read_record(&remote, number).await?);
    }
    let in_manifest = manifest_archives(&remote).await?;
    let plan = prune_plan(&records, &objects, &in_manifest, options.keep);
    let verb = if options.dry_run {
        "would delete"
    } else {
        "deleting"
    };
    for (name, size) in &plan.delete {
        reporter.line(&format!("{verb}: {name} ({})", format_bytes(*size)));
    }
    for name in &plan.unrecorded {
        reporter.line(&format!(
            "left alone: {name} (no publish record names it: a publish under way or interrupted)"
        ));
    }
    reporter.line(&format!(
        "{}: {} records ({RECORDS_FOLDER}), {} archives kept, {} to delete ({})",
        options.destination,
        records.len(),
        plan.kept.len(),
        plan.delete.len(),
        format_bytes(plan.delete_bytes())
    ));
    if options.dry_run {
        return Ok(plan);
    }
    stream::iter(plan.delete.iter().map(Ok))
        .try_for_each_concurrent(8, |(name, _)| {
            let remote = &remote;
            async move { remote.delete(name).await }
        })
        .await?;
    Ok(plan)
}

/// The archive names the manifest in place names (none when there is no manifest).
async fn manifest_archives(remote: &Remote) -> Result<BTreeSet<String>, PublishError> {
    let Some(bytes) = remote.read(MANIFEST_NAME, MAX_MANIFEST_BYTES).await? else {
        return Ok(BTreeSet::new());
    };
    let key = remote.destination().key(MANIFEST_NAME);
    let refuse = |problem: String| PublishError::Remote {
        bucket: remote.destination().bucket().to_string(),
        key: key.clone(),
        problem: format!("{problem}; nothing pruned, since what it names cannot be told"),
    };
    let text = String::from_utf8(bytes).map_err(|_| refuse("not UTF-8".into()))?;
    let manifest = ServerManifest::parse(&key, &text).map_err(|e| refuse(e.to_string()))?;
    Ok(manifest
        .asset_packs
        .iter()
        .map(|p| p.url.clone())
        .filter(|url| parse_archive_name(url).is_some())
        .collect())
}
