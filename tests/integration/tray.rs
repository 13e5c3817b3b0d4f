//! The tray item (`bgassets::tray`) against a tray host the test serves itself
//! (`support::sni::Watcher`, on a private session bus): the item registers, its icon and
//! tooltip follow the downloads, each menu entry sends the right command, and without a host
//! the tray says there is none, which the window's close handling then knows.
//!
//! ksni reads the bus address only from `DBUS_SESSION_BUS_ADDRESS`, and tests must not set
//! variables in the shared process: each test runs itself again in a fresh process whose
//! environment names a bus the outer run started (`support::alone::in_own_process_with`).

use std::sync::Arc;
use std::time::Duration;

use bgassets::gui::closing::Resident;
use bgassets::gui::fixture::{FixtureBackend, app, document, pack, progress};
use bgassets::gui::{WindowCommand, WindowCommands};
use bgassets::manager::api::{Request, Selection};
use bgassets::manager::view::StatusDocument;
use bgassets::model::{Activity, DownloadPolicy, InstallationEvents, PackKind};
use bgassets::tray::icon::ring_icon;
use bgassets::tray::{Targets, Tray, TrayError};
use futures_util::StreamExt;

use crate::support::alone::{in_own_process_with, running_alone};
use crate::support::dbus::SessionBus;
use crate::support::sni::{self, Watcher};
use crate::support::wait::within;

const ADDRESS: &str = "DBUS_SESSION_BUS_ADDRESS";

/// In the fresh process: the private bus's address. In the outer run: starts a bus, runs the
/// test `name` alone on it, and returns `None`.
fn on_private_bus(name: &str) -> Option<String> {
    if running_alone(module_path!(), name) {
        return Some(std::env::var(ADDRESS).expect("the outer run names the bus"));
    }
    let bus = SessionBus::start();
    in_own_process_with(module_path!(), name, &[(ADDRESS, bus.address())]);
    None
}

/// The demo app with its essential Tutorial in `activity`.
fn demo(activity: Activity) -> StatusDocument {
    let essential = DownloadPolicy::Essential(InstallationEvents::ALL);
    document(vec![app(
        "org.example.demo",
        "Demo",
        vec![pack(
            "tutorial",
            "Tutorial",
            PackKind::Levels,
            essential,
            (None, Some(1)),
            activity,
        )],
    )])
}

fn downloading(done: u64) -> StatusDocument {
    demo(Activity::Downloading {
        progress: progress(done),
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

struct Fixture {
    backend: Arc<FixtureBackend>,
    commands: WindowCommands,
    resident: Arc<Resident>,
}

impl Fixture {
    fn new(document: StatusDocument) -> Self {
        Self {
            backend: Arc::new(FixtureBackend::new(Some(document))),
            commands: WindowCommands::new(),
            resident: Arc::new(Resident::default()),
        }
    }

    fn targets(&self) -> Targets {
        Targets {
            backend: self.backend.clone(),
            commands: self.commands.clone(),
            resident: self.resident.clone(),
        }
    }
}

#[test]
fn the_item_registers_and_its_icon_follows_the_downloads() {
    let Some(address) = on_private_bus("the_item_registers_and_its_icon_follows_the_downloads")
    else {
        return;
    };
    runtime().block_on(async {
        let watcher = Watcher::start(&address).await;
        let fixture = Fixture::new(downloading(10_000_000));
        let tray = Tray::spawn(fixture.targets()).await.expect("the tray item");
        assert!(
            fixture.resident.tray_present(),
            "the window is told a host took the item"
        );
        let item = watcher.item().await;
        assert!(item.starts_with("org.kde.StatusNotifierItem-"), "{item}");
        let host = zbus::connection::Builder::address(address.as_str())
            .unwrap()
            .build()
            .await
            .unwrap();

        let icons = sni::icon_pixmap(&host, &item).await;
        let sizes: Vec<(i32, i32)> = icons.iter().map(|(w, h, _)| (*w, *h)).collect();
        assert_eq!(sizes, [(22, 22), (48, 48)]);
        assert_eq!(
            icons[1].2,
            ring_icon(Some(0.25), 48),
            "a quarter of the ring"
        );
        assert_eq!(
            sni::tooltip(&host, &item).await,
            (
                "bgassets".into(),
                "1 pack downloading, 2.0 MB/s, 15 s left".into()
            )
        );

        // A host learns of a new icon from the NewIcon signal, then reads it.
        let rule = zbus::MatchRule::builder()
            .msg_type(zbus::message::Type::Signal)
            .interface("org.kde.StatusNotifierItem")
            .unwrap()
            .member("NewIcon")
            .unwrap()
            .build();
        let mut new_icon = zbus::MessageStream::for_match_rule(rule, &host, None)
            .await
            .unwrap();
        fixture.backend.set_document(downloading(30_000_000));
        within(new_icon.next())
            .await
            .expect("a NewIcon signal")
            .unwrap();
        let icons = sni::icon_pixmap(&host, &item).await;
        assert_eq!(icons[1].2, ring_icon(Some(0.75), 48), "three quarters now");

        fixture.backend.set_document(demo(Activity::Idle));
        within(new_icon.next())
            .await
            .expect("a NewIcon signal")
            .unwrap();
        let icons = sni::icon_pixmap(&host, &item).await;
        assert_eq!(
            icons[1].2,
            ring_icon(None, 48),
            "no ring once nothing downloads"
        );
        assert_eq!(sni::tooltip(&host, &item).await.1, "Nothing downloading");
        tray.shutdown().await;
    });
}

#[test]
fn each_menu_entry_sends_its_command() {
    let Some(address) = on_private_bus("each_menu_entry_sends_its_command") else {
        return;
    };
    runtime().block_on(async {
        let watcher = Watcher::start(&address).await;
        let fixture = Fixture::new(downloading(10_000_000));
        let tray = Tray::spawn(fixture.targets()).await.expect("the tray item");
        let item = watcher.item().await;
        let host = zbus::connection::Builder::address(address.as_str())
            .unwrap()
            .build()
            .await
            .unwrap();

        let menu = sni::menu(&host, &item).await;
        let labels: Vec<(&str, bool)> =
            menu.iter().map(|e| (e.label.as_str(), e.enabled)).collect();
        assert_eq!(
            labels,
            [
                ("Show window", true),
                ("Pause all", true),
                ("Demo: waiting for Tutorial", false),
                ("Keep running when the window closes", true),
                ("Quit", true),
            ]
        );

        sni::click(&host, &item, "Show window").await;
        assert_eq!(fixture.commands.take(), [WindowCommand::Show]);
        sni::click(&host, &item, "Pause all").await;
        assert_eq!(
            fixture.backend.sent(),
            [Request::Pause {
                selection: Selection::All
            }]
        );

        // Once paused, the menu offers Resume all instead.
        fixture.backend.set_document(demo(Activity::Paused {
            progress: progress(10_000_000),
        }));
        let resume = async {
            loop {
                let menu = sni::menu(&host, &item).await;
                if menu.iter().any(|e| e.label == "Resume all") {
                    return menu;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        let menu = within(resume).await;
        assert!(!menu.iter().any(|e| e.label == "Pause all"), "{menu:#?}");
        sni::click(&host, &item, "Resume all").await;
        assert_eq!(
            fixture.backend.sent().last(),
            Some(&Request::Resume {
                selection: Selection::All
            })
        );

        let setting = |menu: &[sni::MenuEntry]| {
            menu.iter()
                .find(|e| e.label == "Keep running when the window closes")
                .and_then(|e| e.toggle_state)
        };
        assert_eq!(setting(&menu), Some(1), "close to tray is on by default");
        sni::click(&host, &item, "Keep running when the window closes").await;
        assert!(
            !fixture.resident.close_to_tray(),
            "the window now quits on close"
        );
        assert_eq!(setting(&sni::menu(&host, &item).await), Some(0));
        // The window sets it too (from what it remembered): the menu follows.
        fixture.resident.set_close_to_tray(true);
        let checked = async {
            while setting(&sni::menu(&host, &item).await) != Some(1) {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        within(checked).await;

        sni::click(&host, &item, "Quit").await;
        assert_eq!(fixture.commands.take(), [WindowCommand::Quit]);
        tray.shutdown().await;
    });
}

#[test]
fn without_a_tray_host_the_tray_says_so() {
    let Some(_address) = on_private_bus("without_a_tray_host_the_tray_says_so") else {
        return;
    };
    runtime().block_on(async {
        let fixture = Fixture::new(downloading(10_000_000));
        let error = match Tray::spawn(fixture.targets()).await {
            Ok(_) => panic!("a tray item registered with no watcher on the bus"),
            Err(error) => error,
        };
        assert!(matches!(error, TrayError::NoHost(_)), "{error:?}");
        assert!(error.to_string().contains("no tray host"), "{error}");
        assert!(
            !fixture.resident.tray_present(),
            "so closing the window will not hide it"
        );
    });
}
