//! Downloader extensions in the manager's flow (issue 14), end to end: a real manager, the
//! project's mock server, and real shell extensions the app's Info.plist names. The veto
//! (`shouldDownload`), and extensions that hang, crash, exit non-zero or print garbage: each
//! gets its named error on the app and in the event log, and the packs go ahead as if the app
//! had no extension (never a stuck queue).

use std::path::{Path, PathBuf};
use std::time::Duration;

use bgassets::extension::ExtensionLimits;
use bgassets::manager::api::Request;
use bgassets::manager::event::ManagerEventKind;
use bgassets::manager::{Manager, ManagerConfig};
use bgassets::model::{Activity, ErrorKind, StatusUpdate};
use bgassets::server::Faults;
use bgassets::store::Paths;

use crate::support::manager::*;

#[path = "extension_flow/connected.rs"]
mod connected;
#[path = "extension_flow/content.rs"]
mod content;
#[path = "extension_flow/leaks.rs"]
mod leaks;

/// A shell extension that says no to `Bonus` and yes to the rest, and notes each request's
/// event and pack in `asked.log` in its working directory (the app's container).
pub const VETO_BONUS: &str = r#"#!/bin/sh
req=$(cat)
printf '%s\n' "$req" >> asked.log
case "$req" in
  *'"event":"shouldDownload"'*'"id":"Bonus"'*) echo '{"shouldDownload": false}' ;;
  *'"event":"shouldDownload"'*) echo '{"shouldDownload": true}' ;;
  *'"event":"contentRequest"'*) echo '{"downloads": []}' ;;
  *) echo '{}' ;;
esac
"#;

/// Writes `script` as the extension `name` beside `plist` (executable).
pub fn install_extension(plist: &Path, name: &str, script: &str) -> PathBuf {
    let path = plist.parent().unwrap().join(name);
    std::fs::write(&path, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    path
}

/// The extension key for an Info.plist.
pub fn key(name: &str) -> String {
    format!("<key>BGAssetsDownloaderExtension</key><string>{name}</string>")
}

/// A manager in `data` whose extension calls end after `limit`.
pub async fn manager_with(data: &Path, limit: Duration) -> Manager {
    let mut config = ManagerConfig::new(Paths::under(data));
    config.extension_limits = ExtensionLimits {
        time: limit,
        ..ExtensionLimits::default()
    };
    Manager::start(config).await.unwrap()
}

/// The site, the data dir, the manager and the Info.plist of an app whose extension is
/// `script`, registered.
pub async fn with_extension(
    specs: &[Spec],
    script: &str,
    limit: Duration,
) -> (Site, tempfile::TempDir, Manager, PathBuf) {
    let site = Site::start(specs, Faults::default()).await;
    let data = tempfile::tempdir().unwrap();
    let manager = manager_with(data.path(), limit).await;
    let url = site.server.manifest_url();
    let plist = plist(data.path(), &url, "1", &key("extension.sh"));
    install_extension(&plist, "extension.sh", script);
    call_json(
        &manager.handle(),
        Request::Register {
            path: plist.clone(),
        },
    )
    .await;
    (site, data, manager, plist)
}

#[tokio::test]
async fn a_vetoed_pack_shows_vetoed_naming_the_extension_and_the_others_install() {
    let specs = [
        Spec::new("Maps", PREFETCH, 20_000),
        Spec::new("Bonus", ON_DEMAND, 20_000),
    ];
    let limit = Duration::from_secs(10);
    let (_site, _data, manager, _plist) = with_extension(&specs, VETO_BONUS, limit).await;
    let handle = manager.handle();
    let document = until(&handle, "Maps installed", |d| {
        d.pack(APP, "Maps").is_some_and(|p| p.flags.up_to_date)
    })
    .await;
    let container = document.app(APP).unwrap().container.clone();
    let mut events = handle.subscribe();
    call_json(
        &handle,
        Request::Ensure {
            app: APP.into(),
            pack: "Bonus".into(),
            require_latest: false,
        },
    )
    .await;
    let document = until(&handle, "Bonus vetoed", |d| {
        matches!(pack(d, "Bonus").activity, Activity::Vetoed { .. })
    })
    .await;
    let bonus = pack(&document, "Bonus");
    assert_eq!(
        bonus.activity,
        Activity::Vetoed {
            extension: "extension.sh".into()
        }
    );
    assert!(bonus.reason.contains("vetoed") && bonus.reason.contains("extension.sh"));
    assert!(bonus.installed_version.is_none() && bonus.partial_bytes == 0);
    // The app hears of it as a failure it can name.
    let seen = events_until(&mut events, |e| {
        matches!(&e.kind, ManagerEventKind::Status { update: StatusUpdate::Failed { error } }
            if error.kind == ErrorKind::VetoedByExtension)
    })
    .await;
    assert!(seen.iter().all(|e| e.pack.as_deref() != Some("Bonus")
        || !matches!(
            e.kind,
            ManagerEventKind::Status {
                update: StatusUpdate::Began
            }
        )));
    // Each version was asked about once, from the app's container.
    let asked = std::fs::read_to_string(container.join("asked.log")).unwrap();
    let count = |id: &str| {
        asked
            .lines()
            .filter(|l| l.contains("shouldDownload") && l.contains(&format!("\"id\":\"{id}\"")))
            .count()
    };
    assert_eq!((count("Maps"), count("Bonus")), (1, 1), "{asked}");
    // Asked for again by name, the extension is asked again (and says no again).
    call_json(
        &handle,
        Request::Ensure {
            app: APP.into(),
            pack: "Bonus".into(),
            require_latest: false,
        },
    )
    .await;
    until(&handle, "Bonus asked again", |_| {
        std::fs::read_to_string(container.join("asked.log"))
            .is_ok_and(|a| a.matches("\"id\":\"Bonus\"").count() == 2)
    })
    .await;
    until(&handle, "Bonus vetoed again", |d| {
        matches!(pack(d, "Bonus").activity, Activity::Vetoed { .. })
    })
    .await;
    manager.shutdown().await;
}

/// Extensions that give no answer, each with the kind of error it must be named by.
const BROKEN: [(&str, &str); 4] = [
    ("hung", "#!/bin/sh\nsleep 30\n"),
    ("crashed", "#!/bin/sh\nkill -SEGV $$\n"),
    ("exitCode", "#!/bin/sh\necho 'no config' >&2\nexit 3\n"),
    ("garbage", "#!/bin/sh\necho 'hello, manager'\n"),
];

#[tokio::test]
async fn an_extension_that_gives_no_answer_is_named_and_the_packs_go_ahead() {
    for (kind, script) in BROKEN {
        let specs = [Spec::new("Maps", PREFETCH, 20_000)];
        let limit = Duration::from_millis(800);
        let (_site, _data, manager, _plist) = with_extension(&specs, script, limit).await;
        let handle = manager.handle();
        let document = until(
            &handle,
            &format!("Maps installed past a {kind} extension"),
            |d| d.pack(APP, "Maps").is_some_and(|p| p.flags.up_to_date),
        )
        .await;
        let app = document.app(APP).unwrap();
        let error = app
            .extension_error
            .as_ref()
            .unwrap_or_else(|| panic!("{kind}: no extension error on the app"));
        assert_eq!(error.kind, kind, "{error:?}");
        assert_eq!(error.extension, "extension.sh");
        assert!(error.message.contains(APP), "{error:?}");
        assert_eq!(app.extension.as_deref(), Some("extension.sh"));
        let timeline = &pack(&document, "Maps").timeline;
        assert!(
            timeline.iter().any(|t| t.what == "extension failed"),
            "{kind}: {timeline:?}"
        );
        manager.shutdown().await;
    }
}
