//! The decisions of a delta update, pure functions of what was listed, found and read: which
//! files are reused and which fetched, whether a delta is worth it, and the byte ranges of the
//! new archive to fetch. Every "no" carries the sentence that says why the whole archive is
//! fetched instead.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use super::list::FileList;
use crate::install::entries::MANIFEST_FOLDER;
use crate::install::names::{check_name, printable};

/// The most of the archive a delta may fetch (in per cent): past it, the whole archive is
/// fetched instead (one request; found before the fetches, no installed file is read).
pub const MAX_SHARE_PERCENT: u64 = 50;

/// Ranges closer than this are fetched as one (a request costs more than a few bytes).
pub const MERGE_GAP: u64 = 64 << 10;

/// A local header's fixed part, and the most its name, extra field and a data descriptor add.
const LOCAL_OVERHEAD: u64 = 30 + 2 * 0xFFFF + 24;

/// One entry of the new archive, as its central directory says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its name as stored.
    pub name: String,
    /// A folder entry.
    pub is_dir: bool,
    /// Where its local header starts.
    pub header_start: u64,
    /// Its compressed size.
    pub compressed: u64,
    /// Its uncompressed size.
    pub size: u64,
}

/// What a delta update does.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Patch {
    /// Files taken from the installed version: indexes into the list.
    pub reuse: Vec<usize>,
    /// Files fetched: (index into the list, index of its entry in the archive).
    pub fetch: Vec<(usize, usize)>,
    /// Folders the archive lists (empty ones included).
    pub folders: Vec<String>,
    /// The ranges of the archive to fetch, in order, none overlapping.
    pub ranges: Vec<Range<u64>>,
}

impl Patch {
    /// The bytes the ranges take.
    pub fn bytes(&self) -> u64 {
        self.ranges
            .iter()
            .fold(0u64, |sum, r| sum.saturating_add(r.end - r.start))
    }
}

/// Before the fetches, and again each time the hashing refuses files: refuses a delta when no
/// file can be reused, or when the files to fetch take more than [`MAX_SHARE_PERCENT`] of the
/// files' bytes.
pub fn worth_trying(list: &FileList, reusable: &[bool]) -> Result<(), String> {
    let (mut changed, mut total) = (0u64, 0u64);
    for (file, reused) in list.files.iter().zip(reusable) {
        total = total.saturating_add(file.size);
        if !reused {
            changed = changed.saturating_add(file.size);
        }
    }
    if !list.files.is_empty() && !reusable.iter().any(|r| *r) {
        return Err("no file of the installed version is unchanged in the new one".into());
    }
    if over_share(changed, total) {
        return Err(format!(
            "the changed files take {changed} of the new version's {total} bytes, more than \
             {MAX_SHARE_PERCENT}%"
        ));
    }
    Ok(())
}

fn over_share(part: u64, whole: u64) -> bool {
    u128::from(part) * 100 > u128::from(whole) * u128::from(MAX_SHARE_PERCENT)
}

/// Matches the list against the archive's `entries` (central directory start `central`, archive
/// size `size`, of which `tail` bytes were already fetched) and plans the ranges to fetch.
pub fn plan(
    list: &FileList,
    reusable: &[bool],
    entries: &[Entry],
    central: u64,
    size: u64,
    tail: u64,
) -> Result<Patch, String> {
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    let mut folders = Vec::new();
    // The folders the list vouches for: those that hold a listed file. The list names files
    // only, so a folder entry of the central directory (unverified bytes) that holds none
    // could not be checked: the whole archive, whose SHA-256 the manifest pins, is.
    let holding: HashSet<&str> = list
        .files
        .iter()
        .flat_map(|f| f.path.match_indices('/').map(|(at, _)| &f.path[..at]))
        .collect();
    for (index, entry) in entries.iter().enumerate() {
        let name = entry.name.as_str();
        if name.split('/').next() == Some(MANIFEST_FOLDER) {
            continue;
        }
        if entry.is_dir {
            let folder = check_name(name)
                .map_err(|p| format!("its folder entry `{}` {p}", printable(name)))?;
            if !holding.contains(folder) {
                return Err(format!(
                    "its folder entry `{}` holds no file of the list, which names files only: \
                     nothing can vouch for it but the whole archive",
                    printable(name)
                ));
            }
            folders.push(folder.to_string());
        } else if by_name.insert(name, index).is_some() {
            return Err(format!("it lists `{}` twice", printable(name)));
        }
    }
    if by_name.len() != list.files.len() {
        return Err(format!(
            "it holds {} files, but the file list names {}",
            by_name.len(),
            list.files.len()
        ));
    }
    let mut patch = Patch {
        folders,
        ..Patch::default()
    };
    for (at, file) in list.files.iter().enumerate() {
        let index = *by_name.get(file.path.as_str()).ok_or_else(|| {
            format!(
                "it has no file `{}` that the list names",
                printable(&file.path)
            )
        })?;
        if entries[index].size != file.size {
            return Err(format!(
                "its `{}` is {} bytes, but the list says {}",
                printable(&file.path),
                entries[index].size,
                file.size
            ));
        }
        if reusable.get(at).copied().unwrap_or(false) {
            patch.reuse.push(at);
        } else {
            patch.fetch.push((at, index));
        }
    }
    let mut starts: Vec<u64> = entries.iter().map(|e| e.header_start).collect();
    starts.sort_unstable();
    let mut spans = Vec::with_capacity(patch.fetch.len());
    for &(_, index) in &patch.fetch {
        let entry = &entries[index];
        let next = starts
            .iter()
            .find(|&&s| s > entry.header_start)
            .copied()
            .unwrap_or(central);
        let needed = entry
            .compressed
            .checked_add(30)
            .and_then(|n| entry.header_start.checked_add(n));
        if needed.is_none_or(|n| n > next) || next > central {
            return Err(format!(
                "its entry `{}` overlaps the next one",
                printable(&entry.name)
            ));
        }
        let cap = entry
            .header_start
            .saturating_add(LOCAL_OVERHEAD)
            .saturating_add(entry.compressed);
        spans.push(entry.header_start..next.min(cap));
    }
    patch.ranges = coalesce(spans, MERGE_GAP);
    let fetched = patch.bytes().saturating_add(tail);
    if over_share(fetched, size) {
        return Err(format!(
            "the changed files take {fetched} of the archive's {size} bytes, more than \
             {MAX_SHARE_PERCENT}%"
        ));
    }
    Ok(patch)
}

/// The parts of `wanted` that no range of `fetched` covers, in order: what is still to fetch
/// once more entries turned out to be needed. A byte fetched once is never fetched again, even
/// where a new range (merged across neighbours) takes in ranges already fetched.
pub fn missing(wanted: &[Range<u64>], fetched: &[Range<u64>]) -> Vec<Range<u64>> {
    let mut have: Vec<&Range<u64>> = fetched.iter().filter(|r| r.start < r.end).collect();
    have.sort_unstable_by_key(|r| r.start);
    let mut out = Vec::new();
    for want in wanted {
        let mut at = want.start;
        for got in &have {
            if at >= want.end || got.start >= want.end {
                break;
            }
            if got.end <= at {
                continue;
            }
            if got.start > at {
                out.push(at..got.start);
            }
            at = at.max(got.end);
        }
        if at < want.end {
            out.push(at..want.end);
        }
    }
    out
}

/// Sorts `spans` and merges those that overlap or lie at most `gap` bytes apart.
pub fn coalesce(mut spans: Vec<Range<u64>>, gap: u64) -> Vec<Range<u64>> {
    spans.sort_unstable_by_key(|r| r.start);
    let mut merged: Vec<Range<u64>> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start <= last.end.saturating_add(gap) => {
                last.end = last.end.max(span.end);
            }
            _ => merged.push(span),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Sha256Digest;
    use crate::patch::list::ListedFile;

    #[test]
    fn ranges_fetched_once_are_never_fetched_again() {
        let fetched = [0..100, 500..900, 520..950];
        let wanted = [0..50, 200..300, 450..600, 600..900, 80..1000];
        assert_eq!(
            missing(&wanted, &fetched),
            vec![200..300, 450..500, 100..500, 950..1000]
        );
        assert_eq!(missing(&wanted, &[]), wanted.to_vec());
        let one = |r: Range<u64>| vec![r];
        assert_eq!(missing(&one(10..20), &[15..15, 0..12]), one(12..20));
        // A range grown over its fetched neighbours (batch after batch) fetches only the new.
        assert_eq!(missing(&one(0..300), &[0..100, 100..200]), one(200..300));
    }

    fn list(sizes: &[u64]) -> FileList {
        FileList::new(
            sizes
                .iter()
                .enumerate()
                .map(|(i, &size)| ListedFile {
                    path: format!("f{i}"),
                    size,
                    sha256: Sha256Digest([0; 32]),
                })
                .collect(),
        )
    }

    /// Stored entries laid out one after the other, after the pack manifest.
    fn entries(sizes: &[u64]) -> (Vec<Entry>, u64) {
        let mut at = 0;
        let mut out = vec![Entry {
            name: ".bgassets/pack.json".into(),
            is_dir: false,
            header_start: 0,
            compressed: 100,
            size: 100,
        }];
        at += 30 + 19 + 100;
        for (i, &size) in sizes.iter().enumerate() {
            out.push(Entry {
                name: format!("f{i}"),
                is_dir: false,
                header_start: at,
                compressed: size,
                size,
            });
            at += 30 + 2 + size;
        }
        (out, at)
    }

    /// The regression this guards: a folder entry of the new archive's central directory (bytes
    /// no digest covers) that held no listed file was created in the new version all the same.
    #[test]
    fn only_folders_that_hold_a_listed_file_come_from_the_central_directory() {
        let sizes = [1 << 10; 4];
        let (mut entries, central) = entries(&sizes);
        let mut list = list(&sizes);
        list.files[1].path = "Levels/f1".into();
        entries[2].name = "Levels/f1".into();
        let folder = |name: &str| Entry {
            name: name.into(),
            is_dir: true,
            header_start: central,
            compressed: 0,
            size: 0,
        };
        entries.push(folder("Levels/"));
        let reusable = [true, true, true, false];
        let patch = plan(&list, &reusable, &entries, central, central + 500, 500).unwrap();
        assert_eq!(patch.folders, ["Levels"]);
        entries.push(folder("Levels/zzzzzzzzzzz/"));
        let refused = plan(&list, &reusable, &entries, central, central + 500, 500).unwrap_err();
        assert!(
            refused.contains("`Levels/zzzzzzzzzzz/` holds no file"),
            "{refused}"
        );
    }

    #[test]
    fn only_changed_files_are_fetched_each_up_to_the_next_entry() {
        let sizes = [1 << 20; 10];
        let (entries, central) = entries(&sizes);
        let mut reusable = [true; 10];
        reusable[3] = false;
        reusable[7] = false;
        let patch = plan(
            &list(&sizes),
            &reusable,
            &entries,
            central,
            central + 500,
            500,
        )
        .unwrap();
        assert_eq!(patch.reuse.len(), 8);
        assert_eq!(patch.fetch, vec![(3, 4), (7, 8)]);
        assert_eq!(
            patch.ranges,
            vec![
                entries[4].header_start..entries[5].header_start,
                entries[8].header_start..entries[9].header_start
            ]
        );
        assert_eq!(patch.bytes(), 2 * (30 + 2 + (1 << 20)));
    }

    #[test]
    fn neighbours_and_near_ranges_are_fetched_as_one() {
        assert_eq!(
            coalesce(vec![10..20, 0..10, 30..40], 0),
            vec![0..20, 30..40]
        );
        assert_eq!(coalesce(vec![30..40, 0..10], 20), vec![0..40]);
        assert_eq!(coalesce(vec![0..50, 10..20], 0), vec![0..50]);
        assert!(coalesce(Vec::new(), 5).is_empty());
    }

    #[test]
    fn too_much_changed_or_nothing_reusable_fetches_the_whole_archive() {
        let sizes = [100, 100, 100];
        assert!(worth_trying(&list(&sizes), &[true, false, true]).is_ok());
        let much = worth_trying(&list(&sizes), &[true, false, false]).unwrap_err();
        assert!(much.contains("more than 50%"), "{much}");
        let none = worth_trying(&list(&sizes), &[false; 3]).unwrap_err();
        assert!(none.contains("no file"), "{none}");
        assert!(worth_trying(&list(&[]), &[]).is_ok());
        // Compressed bytes can make a delta not worth it even when few files changed.
        let (entries, central) = entries(&sizes);
        let refused = plan(
            &list(&sizes),
            &[true, false, true],
            &entries,
            central,
            200,
            0,
        );
        assert!(refused.unwrap_err().contains("of the archive's 200 bytes"));
    }

    #[test]
    fn an_archive_that_disagrees_with_its_list_is_refused() {
        let sizes = [100, 100];
        let (mut entries, central) = entries(&sizes);
        let reuse = [true, false];
        let size = central * 4;
        let other = plan(&list(&[100, 100, 5]), &reuse, &entries, central, size, 0);
        assert!(other.unwrap_err().contains("the file list names 3"));
        let resized = plan(&list(&[100, 99]), &reuse, &entries, central, size, 0);
        assert!(resized.unwrap_err().contains("the list says 99"));
        entries[2].header_start = entries[1].header_start + 50;
        let overlap = plan(&list(&sizes), &[false, true], &entries, central, size, 0);
        assert!(overlap.unwrap_err().contains("overlaps"));
        entries[2].name = "f0".into();
        let twice = plan(&list(&sizes), &reuse, &entries, central, size, 0);
        assert!(twice.unwrap_err().contains("twice"));
    }
}
