//! The tray-resident window with real processes: `bgassets` on a virtual X display
//! (`support::display`) and a private session bus, with a tray host served by the test
//! (`support::sni`) or none. It starts in the tray (`--minimized`), a second launch shows its
//! window and exits 0, closing hides it while the downloads go on, the tray shows it again and
//! quits it with the partial download kept; without a tray host `--minimized` still shows the
//! window and closing while downloading asks first. The quit question itself is checked with
//! kittest, as is what closing does in each case.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bgassets::gui::closing::Resident;
use bgassets::gui::fixture::{self, FixtureBackend};
use bgassets::gui::state::Remembered;
use bgassets::gui::{BgAssetsApp, Resources, WindowCommand, WindowCommands, WindowEvent};
use bgassets::ipc::Connection;
use bgassets::manager::api::{ManagerApi, Request};
use bgassets::manager::view::PackView;
use bgassets::model::Activity;
use bgassets::server::Faults;
use bgassets::store::Paths;
use egui::{ViewportCommand, ViewportEvent, ViewportId};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

use crate::support::dbus::SessionBus;
use crate::support::display::Display;
use crate::support::manager::{ESSENTIAL, Site, Spec, plist};
use crate::support::sni::{self, Watcher};
use crate::support::wait::{try_wait_for, wait_for, within};

/// Long enough for anything a window process does here on two busy cores.
const SLOW: Duration = Duration::from_secs(60);

/// A `bgassets` window process, killed if the test ends before it.
struct WindowProcess {
    child: Child,
    log: PathBuf,
}

impl WindowProcess {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for WindowProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(data: &Path, display: &Display, bus: &SessionBus) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bgassets"));
    command
        .args(["--data-dir", data.to_str().unwrap()])
        .envs(display.env())
        .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
        .env("RUST_LOG", "info")
        .stdin(Stdio::null());
    command
}

fn launch(data: &Path, display: &Display, bus: &SessionBus, args: &[&str]) -> WindowProcess {
    let log = data.with_extension("log");
    let child = command(data, display, bus)
        .args(args)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    WindowProcess { child, log }
}

/// A second launch on the same data dir, run to its end (within [`SLOW`]).
fn second_launch(data: &Path, display: &Display, bus: &SessionBus) -> Output {
    let mut child = command(data, display, bus)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("the second launch to exit", SLOW, || {
        child.try_wait().unwrap()
    });
    child.wait_with_output().unwrap()
}

/// A controller connection to the window process's manager, once its socket answers.
async fn controller(data: &Path) -> Connection {
    let paths = Paths::under(data);
    within(async {
        loop {
            if let Ok(connection) =
                Connection::connect_controller(paths.socket_path(), &paths.capability_file()).await
            {
                return connection;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
}

/// A slow site (one 10 MB essential pack at 500 kB/s) and the app's Info.plist.
async fn slow_site(work: &Path) -> (Site, PathBuf) {
    let faults = Faults {
        rate: Some(500_000),
        ..Faults::default()
    };
    let site = Site::start(&[Spec::new("Big", ESSENTIAL, 10_000_000)], faults).await;
    let plist = plist(work, &site.server.manifest_url(), "1", "");
    (site, plist)
}

/// The pack once it is downloading with more than `after` bytes done.
async fn downloading_past(connection: &Connection, after: u64) -> PackView {
    within(async {
        loop {
            let status = connection.status().await.unwrap();
            if let Some(pack) = status.apps.iter().flat_map(|a| &a.packs).find(|p| {
                matches!(&p.activity, Activity::Downloading { progress } if progress.bytes_done > after)
            }) {
                return pack.clone();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
}

fn done(pack: &PackView) -> u64 {
    pack.activity.progress().map_or(0, |p| p.bytes_done)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_tray_it_keeps_downloading_shows_on_a_second_launch_and_quits_keeping_partials() {
    let bus = SessionBus::start();
    let watcher = Watcher::start(bus.address()).await;
    let display = Display::start();
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let (_site, plist) = slow_site(work.path()).await;

    let mut window = launch(&data, &display, &bus, &["--minimized"]);
    let pid = window.pid();
    let connection = controller(&data).await;
    connection
        .call(Request::Register { path: plist })
        .await
        .unwrap();
    let item = watcher.item().await;
    let host = bus.connect().await;
    wait_for("the window, hidden in the tray", SLOW, || {
        let windows = display.windows_of(pid);
        (!windows.is_empty() && windows.iter().all(|(_, shown)| !shown)).then_some(())
    });
    downloading_past(&connection, 0).await;

    // A second launch shows the running window and exits 0.
    let second = second_launch(&data, &display, &bus);
    let said = String::from_utf8_lossy(&second.stdout);
    assert!(second.status.success(), "{second:?}");
    assert!(said.contains("already running"), "{said}");
    wait_for("the window shown by the second launch", SLOW, || {
        display.shows_window(pid).then_some(())
    });

    // Closing hides it to the tray; the manager keeps downloading.
    display.close_windows_of(pid);
    wait_for("the window hidden on close", SLOW, || {
        (!display.shows_window(pid)).then_some(())
    });
    assert!(window.is_running(), "closing to the tray does not quit");
    let before = done(&downloading_past(&connection, 0).await);
    let later = downloading_past(&connection, before).await;
    assert!(done(&later) > before, "the download goes on in the tray");

    // The tray's Show window brings it back; its Quit stops the manager, keeping the partial.
    sni::click(&host, &item, "Show window").await;
    wait_for("the window shown from the tray", SLOW, || {
        display.shows_window(pid).then_some(())
    });
    let partial = later
        .partial_path
        .clone()
        .expect("a partial file while downloading");
    sni::click(&host, &item, "Quit").await;
    let status = wait_for("the process to quit", SLOW, || {
        window.child.try_wait().unwrap()
    });
    assert!(status.success(), "{status:?}\n{}", window.log());
    let kept = std::fs::metadata(&partial).unwrap_or_else(|e| {
        panic!(
            "the partial {} is kept: {e}\n{}",
            partial.display(),
            window.log()
        )
    });
    assert!(kept.len() >= done(&later), "{} bytes kept", kept.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_tray_host_the_window_stays_reachable_and_closing_while_downloading_asks() {
    let bus = SessionBus::start();
    let display = Display::start();
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let (_site, plist) = slow_site(work.path()).await;

    let mut window = launch(&data, &display, &bus, &["--minimized"]);
    let pid = window.pid();
    let connection = controller(&data).await;
    connection
        .call(Request::Register { path: plist })
        .await
        .unwrap();
    wait_for("the window, shown since no tray host can", SLOW, || {
        display.shows_window(pid).then_some(())
    });
    downloading_past(&connection, 0).await;

    display.close_windows_of(pid);
    wait_for("the quit question", SLOW, || {
        window
            .log()
            .contains("asking before quitting")
            .then_some(())
    });
    assert!(
        window.is_running(),
        "closing while downloading does not quit at once"
    );
    assert!(display.shows_window(pid), "the window stays, asking");
    assert!(
        try_wait_for(Duration::from_millis(500), || (!window.is_running())
            .then_some(()))
        .is_none(),
        "still running after the question"
    );
}

type Window = Harness<'static, Option<BgAssetsApp>>;

/// The window on `document`, tied to `resources`, drawn with its lifecycle as eframe runs it.
fn window(backend: Arc<FixtureBackend>, resources: Resources) -> Window {
    let mut harness = Harness::builder()
        .with_size([1200.0, 800.0])
        .build_ui_state(
            move |ui, app: &mut Option<BgAssetsApp>| {
                let app = app.get_or_insert_with(|| {
                    BgAssetsApp::new(ui.ctx(), backend.clone(), Remembered::default())
                        .with_resources(ui.ctx(), resources.clone(), Default::default())
                });
                app.logic(ui.ctx());
                app.show(ui);
            },
            None,
        );
    harness.run_ok();
    harness
}

fn downloading_window(resident: Arc<Resident>) -> (Window, std::sync::mpsc::Receiver<WindowEvent>) {
    let backend = Arc::new(FixtureBackend::new(Some(fixture::every_state())));
    let (events, heard) = std::sync::mpsc::channel();
    let resources = Resources {
        commands: WindowCommands::new(),
        resident,
        events: Some(events),
    };
    (window(backend, resources), heard)
}

/// Asks the window to close, as the window manager does, and returns the commands of that
/// frame.
fn close(harness: &mut Window) -> Vec<ViewportCommand> {
    harness
        .input_mut()
        .viewports
        .entry(ViewportId::ROOT)
        .or_default()
        .events
        .push(ViewportEvent::Close);
    harness.step();
    let commands = harness.output().viewport_output[&ViewportId::ROOT]
        .commands
        .clone();
    harness.run_ok();
    commands
}

#[test]
fn closing_while_downloading_without_a_tray_asks_and_cancel_keeps_the_window() {
    let (mut harness, _) = downloading_window(Arc::new(Resident::default()));
    let commands = close(&mut harness);
    assert!(
        commands.contains(&ViewportCommand::CancelClose),
        "{commands:?}"
    );
    harness.get_by_label("Quit bgassets?");
    harness.get_by_label("Cancel").click();
    harness.run_ok();
    assert!(harness.query_by_label("Quit bgassets?").is_none());

    let commands = close(&mut harness);
    assert!(
        commands.contains(&ViewportCommand::CancelClose),
        "asked again"
    );
    harness.get_by_label("Quit and stop downloads").click();
    harness.step();
    let commands = harness.output().viewport_output[&ViewportId::ROOT]
        .commands
        .clone();
    assert!(commands.contains(&ViewportCommand::Close), "{commands:?}");
    let commands = close(&mut harness);
    assert!(
        !commands.contains(&ViewportCommand::CancelClose),
        "once answered, the close goes through: {commands:?}"
    );
}

#[test]
fn closing_with_a_tray_hides_the_window_and_says_so_the_first_time_only() {
    let resident = Arc::new(Resident::default());
    resident.set_tray_present(true);
    let (mut harness, heard) = downloading_window(resident);
    let commands = close(&mut harness);
    assert!(
        commands.contains(&ViewportCommand::CancelClose),
        "{commands:?}"
    );
    assert!(
        commands.contains(&ViewportCommand::Visible(false)),
        "{commands:?}"
    );
    assert!(
        harness.query_by_label("Quit bgassets?").is_none(),
        "no question"
    );
    assert_eq!(
        heard.try_recv(),
        Ok(WindowEvent::HiddenToTray { first: true })
    );
    close(&mut harness);
    assert_eq!(
        heard.try_recv(),
        Ok(WindowEvent::HiddenToTray { first: false })
    );
}

#[test]
fn show_pack_shows_the_window_with_the_pack_selected() {
    let resident = Arc::new(Resident::default());
    let commands = WindowCommands::new();
    let backend = Arc::new(FixtureBackend::new(Some(fixture::every_state())));
    let resources = Resources {
        commands: commands.clone(),
        resident,
        events: None,
    };
    let mut harness = window(backend, resources);
    let pack = fixture::every_state().apps[0].packs[2].clone();
    commands.send(WindowCommand::ShowPack {
        app: pack.app.clone(),
        pack: pack.id.clone(),
    });
    harness.step();
    let shown = harness.output().viewport_output[&ViewportId::ROOT]
        .commands
        .clone();
    assert!(shown.contains(&ViewportCommand::Visible(true)), "{shown:?}");
    assert!(shown.contains(&ViewportCommand::Focus), "{shown:?}");
    harness.run_ok();
    let app = harness.state().as_ref().unwrap();
    assert!(app.state().is_selected(&pack.app, &pack.id));
}
