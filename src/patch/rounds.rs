//! The first round of a delta's range requests: the new archive's tail and central directory,
//! then the entries the plan fetches. Files that turn out not to be reusable once hashed are
//! fetched by [`super::follow`]. Every range lands in the sparse scratch copy at its own offset.

use std::sync::Arc;

use super::{PatchError, PatchRequest, http, list, plan, scratch, tail};
use crate::store::positioned::write_at;

/// What the first round of fetches found and planned.
pub struct Fetched {
    /// The new version's file list.
    pub list: Arc<list::FileList>,
    /// The archive's entries, from its central directory.
    pub entries: Vec<plan::Entry>,
    /// Where the central directory starts.
    pub central: u64,
    /// The archive's last bytes fetched (from the central directory or the probe, whichever
    /// starts first).
    pub tail: u64,
    /// The plan for the candidates, its ranges fetched.
    pub patch: plan::Patch,
}

/// Fetches the archive's tail and central directory into the scratch copy, plans the delta with
/// `reusable`, and fetches its ranges.
pub async fn fetch(
    request: &PatchRequest,
    origin: &http::Origin<'_>,
    list: &Arc<list::FileList>,
    reusable: &[bool],
    url: &str,
) -> Result<Fetched, PatchError> {
    let size = request.download_size;
    let copy = scratch::open(&request.scratch, size)?;
    let mut write = |at: u64, bytes: &[u8]| write_at(&copy, bytes, at);
    let probe = size.min(tail::PROBE);
    let mut last = Vec::with_capacity(usize::try_from(probe).unwrap_or(0));
    origin
        .get_range(
            &request.archive_url,
            size - probe..size,
            size,
            &mut |at, b| {
                last.extend_from_slice(b);
                write(at, b)
            },
        )
        .await?;
    let archive = |problem| PatchError::Archive {
        url: url.to_string(),
        problem,
    };
    let central = tail::locate(size, &last).map_err(archive)?;
    if central.start < size - probe {
        origin
            .get_range(
                &request.archive_url,
                central.start..size - probe,
                size,
                &mut write,
            )
            .await?;
    }
    let tail = size - central.start.min(size - probe);
    let entries = scratch::read_entries(&request.scratch, url).await?;
    let patch = plan::plan(list, reusable, &entries, central.start, size, tail).map_err(archive)?;
    for range in &patch.ranges {
        origin
            .get_range(&request.archive_url, range.clone(), size, &mut write)
            .await?;
    }
    Ok(Fetched {
        list: list.clone(),
        entries,
        central: central.start,
        tail,
        patch,
    })
}
