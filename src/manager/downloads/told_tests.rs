//! Tests of what an app's extension is told and what its answers may do: moves stay in the
//! container, fresh credentials replace the old ones by name.

use super::*;

#[test]
fn a_move_stays_in_the_container_and_never_replaces_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let container = dir.path().join("c");
    std::fs::create_dir_all(&container).unwrap();
    let to = move_target(&container, "Config/app.json").unwrap();
    assert_eq!(to, container.join("Config/app.json"));
    std::fs::write(&to, b"mine").unwrap();
    assert!(
        move_target(&container, "Config/app.json")
            .unwrap_err()
            .contains("exists")
    );
    assert!(move_target(&container, "../x").is_err());
    assert!(move_target(&container, "/etc/x").is_err());
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.path(), container.join("out")).unwrap();
        assert!(
            move_target(&container, "out/x")
                .unwrap_err()
                .contains("leads out")
        );
    }
}

#[cfg(unix)]
#[test]
fn a_refused_move_makes_no_folder_outside_the_container() {
    let dir = tempfile::tempdir().unwrap();
    let container = dir.path().join("c");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&container).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, container.join("out")).unwrap();
    let error = move_target(&container, "out/made/by/extension/x").unwrap_err();
    assert!(error.contains("leads out"), "{error}");
    assert!(
        !outside.join("made").exists(),
        "a folder was made outside the container through the extension's link"
    );
}

#[test]
fn fresh_credentials_replace_the_old_ones_by_name() {
    let mut headers = vec![
        Header::new("Authorization", "Bearer old").unwrap(),
        Header::new("X-App", "1").unwrap(),
    ];
    merge_headers(
        &mut headers,
        vec![Header::new("authorization", "Bearer new").unwrap()],
    );
    assert_eq!(headers.len(), 2);
    assert!(headers.iter().any(|h| h.value == "Bearer new"));
}

#[test]
fn only_401_and_403_are_challenges() {
    let mut error = PackError::new(crate::model::ErrorKind::HttpStatus, "x");
    assert!(!is_auth_challenge(&error));
    error.http_status = Some(403);
    assert!(is_auth_challenge(&error));
    error.http_status = Some(404);
    assert!(!is_auth_challenge(&error));
}
