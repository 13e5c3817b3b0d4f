//! Races between installs and removals of packs in one container, found by the crash loop.

use crate::support::manager::*;

#[test]
fn installs_and_removals_side_by_side_in_one_container_all_succeed_and_lose_no_pack() {
    // Found by the crash loop: one pack's install removed an empty `.staging` (or a removal an
    // empty `.versions`) while another pack's install was about to make its link there. And by
    // this test: a version pending deletion twice was taken off the pending list by the first
    // deletion, so a reinstall after a removal could reuse its name and lose it to the second.
    use bgassets::install::{InstallRequest, install, remove};
    let work = tempfile::tempdir().unwrap();
    let ids = ["A", "B", "C", "D"];
    let specs: Vec<Spec> = ids
        .iter()
        .map(|id| Spec::new(*id, ON_DEMAND, 2_000))
        .collect();
    build_site(work.path(), &specs);
    let container = work.path().join("container");
    let threads: Vec<_> = ids
        .into_iter()
        .map(|id| {
            let archive = work.path().join(format!("site/packs/{id}-1.zip"));
            let container = container.clone();
            std::thread::spawn(move || {
                for round in 0..=60 {
                    let request = InstallRequest {
                        archive: &archive,
                        container: &container,
                        folder: id,
                        max_install_size: 1 << 20,
                    };
                    install(&request).unwrap_or_else(|e| panic!("{id}, round {round}: {e}"));
                    if round % 3 == 2 {
                        remove(&container, id).unwrap_or_else(|e| panic!("{id}: {e}"));
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("an install failed");
    }
    bgassets::install::wait_retired();
    for id in ids {
        assert!(
            container.join(id).join(id).join("data.bin").exists(),
            "{id}"
        );
    }
}

#[test]
fn a_pack_removed_and_installed_again_at_once_keeps_its_files() {
    // Found by the stress test above: after a removal, version numbers started again from 1,
    // and the deletion of the replaced `@1`, still pending from before the removal, deleted the
    // new `@1` that the pack's link pointed at.
    use bgassets::install::{InstallRequest, install, remove, wait_retired};
    let work = tempfile::tempdir().unwrap();
    build_site(work.path(), &[Spec::new("Pack", ON_DEMAND, 2_000)]);
    let archive = work.path().join("site/packs/Pack-1.zip");
    let container = work.path().join("container");
    let request = InstallRequest {
        archive: &archive,
        container: &container,
        folder: "Pack",
        max_install_size: 1 << 20,
    };
    install(&request).unwrap(); // Pack@1
    install(&request).unwrap(); // Pack@2; Pack@1 is deleted in 500 ms
    remove(&container, "Pack").unwrap();
    install(&request).unwrap();
    wait_retired();
    let data = std::fs::read(container.join("Pack/Pack/data.bin")).expect("the pack's files");
    assert_eq!(data.len(), 2_000);
}
