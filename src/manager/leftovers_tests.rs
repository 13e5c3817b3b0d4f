//! Tests of the start-up sweep's choices: what no download owns goes, what a download or a
//! wanted version still needs stays.

use super::*;

#[test]
fn a_segmented_partial_s_range_record_goes_when_unowned_and_stays_while_owned() {
    let dir = PathBuf::from("/d/downloads/app");
    let files: Vec<PathBuf> = [
        "Pack@1.zip.partial.segments",
        "Pack@2.zip.partial.segments",
        "notes.partial.segments",
        "Pack@2.zip.segments",
    ]
    .iter()
    .map(|n| dir.join(n))
    .collect();
    let owned = HashSet::from(owned_files(
        &dir.join("Pack@2.zip"),
        &dir.join("Pack@2.zip.partial"),
    ));
    // Without its record, an owned segmented partial (its full size, with holes) could
    // not be resumed: only the unowned one goes, and names that are not the manager's stay.
    assert_eq!(
        unowned(&files, &owned),
        [dir.join("Pack@1.zip.partial.segments")]
    );
}

#[test]
fn only_archive_names_no_download_owns_go() {
    let dir = PathBuf::from("/d/downloads/app");
    let files: Vec<PathBuf> = [
        "Pack@1.zip.partial",
        "Pack@2.zip.partial",
        "Pack@1.zip",
        "Level-2@3.zip",
        "notes.txt",
        "Pack.zip",
        "Pack@x.zip",
        ".hidden@1.zip",
        "Pack@1.zip.bak",
        "Pack@1.zip.delta",
    ]
    .iter()
    .map(|n| dir.join(n))
    .collect();
    let owned = HashSet::from(owned_files(
        &dir.join("Pack@2.zip"),
        &dir.join("Pack@2.zip.partial"),
    ));
    let names: Vec<String> = unowned(&files, &owned)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "Pack@1.zip.partial",
            "Pack@1.zip",
            "Level-2@3.zip",
            "Pack@1.zip.delta"
        ]
    );
}

#[test]
fn an_apps_own_downloads_are_never_taken_for_pack_archives() {
    // `download-IDENTIFIER` (and its partial) beside the archives: identifiers never hold
    // `@`, so no such name reads as `<folder>@<n>.zip`, whatever the identifier.
    for name in [
        "download-config.json",
        "download-config.json.partial",
        "download-level.zip",
        "download-level.zip.partial",
        "download-1.zip",
    ] {
        assert!(!is_archive_name(name), "{name}");
    }
}

#[test]
fn the_archives_of_wanted_uninstalled_versions_are_kept_for_the_resume() {
    let saved = include_str!("../../tests/data/state/v1.json");
    let mut state = crate::manager::state::parse(saved).unwrap();
    let packs = &mut state.apps.get_mut("org.example.game").unwrap().packs;
    packs
        .get_mut("Tutorial")
        .unwrap()
        .observed
        .listed
        .as_mut()
        .unwrap()
        .version = 2;
    let paths = Paths::under("/d");
    let names: Vec<String> = pending_archives(&paths, &state)
        .iter()
        .map(|p| p.strip_prefix("/d").unwrap().display().to_string())
        .collect();
    // Tutorial@2 is wanted and not installed; Voices-fr@1 is installed; Bonus is not wanted.
    assert_eq!(
        names,
        [
            "downloads/org.example.game/Tutorial@2.zip",
            "downloads/org.example.game/Tutorial@2.zip.partial",
            "downloads/org.example.game/Tutorial@2.zip.partial.segments"
        ]
    );
}

#[test]
fn finished_downloads_with_nothing_left_to_install_are_stale() {
    let saved = include_str!("../../tests/data/state/v1.json");
    let state = crate::manager::state::parse(saved).unwrap();
    let finished = [
        Finished {
            id: "org.example.game/Tutorial@2",
            archive_exists: false,
        },
        Finished {
            id: "org.example.game/Tutorial@1",
            archive_exists: true,
        },
        Finished {
            id: "org.example.game/Bonus@1",
            archive_exists: true,
        },
        Finished {
            id: "other.app/Tutorial@1",
            archive_exists: true,
        },
    ];
    assert_eq!(
        stale(&finished, &state),
        ["org.example.game/Tutorial@2", "org.example.game/Tutorial@1"],
        "gone, or already installed; the others are still to install"
    );
}
