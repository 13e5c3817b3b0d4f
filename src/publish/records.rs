//! Reading publish records back from the store: one by number (checked like any outside
//! input), and whether any record gives the manifest in place its SHA-256, which tells a
//! manifest bgassets wrote from one written or edited by someone else.

use std::collections::BTreeMap;

use super::PublishError;
use super::names::{parse_record_name, record_name};
use super::record::{MAX_RECORD_BYTES, PublishRecord};
use super::remote::Remote;
use crate::model::Sha256Digest;

/// Reads and checks publish record `number`.
pub(crate) async fn read_record(
    remote: &Remote,
    number: u64,
) -> Result<PublishRecord, PublishError> {
    let name = record_name(number);
    let key = remote.destination().key(&name);
    let bytes =
        remote
            .read(&name, MAX_RECORD_BYTES)
            .await?
            .ok_or_else(|| PublishError::Remote {
                bucket: remote.destination().bucket().to_string(),
                key: key.clone(),
                problem: "listed but gone when read (another publish running?)".into(),
            })?;
    PublishRecord::parse_numbered(&key, number, &bytes).map_err(|problem| PublishError::Remote {
        bucket: remote.destination().bucket().to_string(),
        key,
        problem,
    })
}

/// Whether some record among `objects` gives the manifest in place (`sha256`) its SHA-256: the
/// newest first (`last`, already read), then older ones, newest first, until one does. An
/// interrupted publish leaves a newer record than the manifest in place, so the newest alone
/// is not enough.
pub(crate) async fn manifest_on_record(
    remote: &Remote,
    objects: &BTreeMap<String, u64>,
    last: Option<&PublishRecord>,
    sha256: Sha256Digest,
) -> Result<bool, PublishError> {
    let Some(last) = last else {
        return Ok(false);
    };
    if last.manifest_sha256 == sha256 {
        return Ok(true);
    }
    let mut older: Vec<u64> = objects
        .keys()
        .filter_map(|n| parse_record_name(n))
        .filter(|n| *n < last.number)
        .collect();
    older.sort_unstable_by(|a, b| b.cmp(a));
    for number in older {
        if read_record(remote, number).await?.manifest_sha256 == sha256 {
            return Ok(true);
        }
    }
    Ok(false)
}
