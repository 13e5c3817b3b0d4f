//! A folder, file or link of the user's at a pack's place is never moved or deleted: `pack
//! install --into`, removal and a managed install refuse it with `InstallError::Occupied`.

use std::path::{Path, PathBuf};

use bgassets::server::Faults;

use crate::support::canary::*;
use crate::support::manager::*;
use crate::support::write;

/// A pack archive built with the packager: `dir/site/packs/Pack-1.zip`.
fn pack_archive(dir: &Path) -> PathBuf {
    build_site(dir, &[Spec::new("Pack", ON_DEMAND, 10_000)]);
    dir.join("site/packs/Pack-1.zip")
}

#[test]
fn pack_install_never_moves_or_deletes_a_users_folder_or_file_at_the_packs_place() {
    let work = tempfile::tempdir().unwrap();
    let archive = pack_archive(work.path());
    let into = work.path().join("into");
    let beside = canary(&into);
    type Make = fn(&Path);
    let theirs: [(&str, Make); 3] = [
        ("a folder", |p| write(&p.join("letter.txt"), b"mine")),
        ("a file", |p| write(p, b"mine")),
        ("a symlink to", |p| {
            std::os::unix::fs::symlink("/nowhere/mine", p).unwrap()
        }),
    ];
    for (found, make) in theirs {
        let place = into.join("Pack");
        let _ = std::fs::remove_dir_all(&into);
        std::fs::create_dir_all(&into).unwrap();
        make(&place);
        let before = std::fs::read_dir(&into).unwrap().count();
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_bgassets"))
            .args(["pack", "install"])
            .arg(&archive)
            .arg("--into")
            .arg(&into)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{found}: {stderr}");
        assert!(
            stderr.contains(&format!("{} is {found}", place.display()))
                && stderr.contains("that bgassets did not make"),
            "{found}: {stderr}"
        );
        let error = bgassets::install::remove(&into, "Pack").unwrap_err();
        assert!(
            matches!(error, bgassets::install::InstallError::Occupied { .. }),
            "{error:?}"
        );
        match found {
            "a folder" => assert_eq!(std::fs::read(place.join("letter.txt")).unwrap(), b"mine"),
            "a file" => assert_eq!(std::fs::read(&place).unwrap(), b"mine"),
            _ => assert_eq!(
                std::fs::read_link(&place).unwrap(),
                Path::new("/nowhere/mine")
            ),
        }
        assert_eq!(
            std::fs::read_dir(&into).unwrap().count(),
            before,
            "{found}: nothing added"
        );
    }
    assert_canary(&beside);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_managed_install_refuses_a_users_folder_at_the_packs_place() {
    use bgassets::manager::api::Request;
    let site = Site::start(&[Spec::new("Bonus", ON_DEMAND, 50_000)], Faults::default()).await;
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let beside = canary(&data);
    let manager = manager(&data).await;
    let handle = manager.handle();
    let path = plist(work.path(), &site.server.manifest_url(), "1", "");
    call(&handle, Request::Register { path }).await;
    handle.ensure_installed(APP, "Bonus").await.unwrap();
    let container = std::fs::read_dir(data.join("containers"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    call(
        &handle,
        Request::Remove {
            app: APP.into(),
            pack: "Bonus".into(),
        },
    )
    .await;
    write(&container.join("Bonus/letter.txt"), b"mine");

    let error = handle.ensure_installed(APP, "Bonus").await.unwrap_err();
    assert!(
        error.to_string().contains("that bgassets did not make"),
        "{error}"
    );
    let error = handle
        .call(Request::Remove {
            app: APP.into(),
            pack: "Bonus".into(),
        })
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("that bgassets did not make"),
        "{error}"
    );
    manager.shutdown().await;
    assert_eq!(
        std::fs::read(container.join("Bonus/letter.txt")).unwrap(),
        b"mine"
    );
    assert_eq!(
        std::fs::read_dir(container.join("Bonus")).unwrap().count(),
        1
    );
    assert_canary(&beside);
}
