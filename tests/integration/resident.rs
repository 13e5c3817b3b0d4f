//! The tray-resident window with real processes: `bgassets` on a virtual X display
//! (`support::display`) and a private session bus, with a tray host served by the test
//! (`support::sni`) or none. It starts in the tray (`--minimized`), a second launch shows its
//! window and exits 0, closing hides it while the downloads go on, the tray shows it again and
//! quits it with the partial download kept; without a tray host `--minimized` still shows the
//! window and closing while downloading asks first. The quit question itself, what closing
//! does in each case and the window's commands are checked with kittest in [`closing`].

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use bgassets::ipc::Connection;
use bgassets::manager::api::{ManagerApi, Request};
use bgassets::manager::view::PackView;
use bgassets::model::Activity;
use bgassets::server::Faults;
use bgassets::store::Paths;

use crate::support::dbus::SessionBus;
use crate::support::display::Display;
use crate::support::manager::{ESSENTIAL, Site, Spec, plist};
use crate::support::sni::{self, Watcher};
use crate::support::wait::{try_wait_for, wait_for, within};

mod closing;

/// Long enough for anything a window process does here on two busy cores.
const SLOW: Duration = Duration::from_secs(20);

/// A `bgassets` process (a window, or a daemon), killed if the test ends before it.
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
                return PackView::clone(pack);
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
    let notifications = crate::notify::fakes::Server::default();
    let _notification_server = notifications.serve(&bus).await;
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
    try_wait_for(SLOW, || (!display.shows_window(pid)).then_some(()))
        .unwrap_or_else(|| panic!("the window is not hidden on close:\n{}", window.log()));
    assert!(window.is_running(), "closing to the tray does not quit");
    let told = wait_for("the one-line notice of where the window went", SLOW, || {
        let calls = notifications.calls();
        calls
            .iter()
            .any(|c| c.summary.contains("still running"))
            .then_some(calls)
    });
    assert_eq!(
        told.iter()
            .filter(|c| c.summary.contains("still running"))
            .count(),
        1,
        "{told:?}"
    );
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
    try_wait_for(SLOW, || {
        window
            .log()
            .contains("asking before quitting")
            .then_some(())
    })
    .unwrap_or_else(|| panic!("no quit question:\n{}", window.log()));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_answers_show_window_that_it_has_none_and_only_controllers_may_ask() {
    let served = crate::support::ipc::Served::start().await;
    let answer = served.controller().await.show_window().await.unwrap();
    assert!(!answer.shown);
    assert!(
        answer
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("without a window"),
        "{answer:?}"
    );
    let line = r#"{"id": 1, "method": "showWindow"}"#;
    let reply = served.raw_app("org.example.game").await.ask(line).await;
    assert_eq!(reply["error"]["kind"], "notAuthorized", "{reply}");
    let reply = served.raw_anonymous().await.ask(line).await;
    assert_eq!(reply["error"]["kind"], "notAuthorized", "{reply}");
    served.stop().await;
}

#[test]
fn a_launch_on_a_running_daemon_opens_a_window_on_it() {
    let bus = SessionBus::start();
    let display = Display::start();
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    // Killed when dropped, even when the test fails before its end.
    let mut daemon = WindowProcess {
        child: Command::new(env!("CARGO_BIN_EXE_bgassets"))
            .args(["daemon", "--data-dir", data.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
        log: work.path().join("daemon.log"),
    };
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(daemon.child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert!(
        line.contains("socket"),
        "the daemon announced itself: {line}"
    );

    let mut window = launch(&data, &display, &bus, &[]);
    let pid = window.pid();
    try_wait_for(SLOW, || display.shows_window(pid).then_some(()))
        .unwrap_or_else(|| panic!("no window on the daemon:\n{}", window.log()));
    assert!(window.is_running(), "{}", window.log());
    assert!(
        window.log().contains("without a window"),
        "it says why it opened a window of its own: {}",
        window.log()
    );
    drop(window);
    assert!(daemon.is_running(), "the daemon keeps running");
}
