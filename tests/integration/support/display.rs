//! A virtual X display for tests that open the real window: `Xvfb` (installed by
//! `scripts/setup`) on a display number it picks itself (`-displayfd`), never resetting when
//! its last client leaves (`-noreset`: clients arriving during a reset are refused), stopped
//! when dropped;
//! and what a window manager would do to a process's windows, with x11rb: find them by
//! `_NET_WM_PID`, see whether they are shown, and close them with `WM_DELETE_WINDOW`.

use std::io::Read;
use std::process::{Child, Command, Stdio};

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{
    AtomEnum, ClientMessageEvent, ConnectionExt, EventMask, MapState, Window,
};
use x11rb::rust_connection::RustConnection;

/// A running Xvfb.
pub struct Display {
    child: Child,
    /// Xvfb's stdout, where it wrote the display number, kept open: a closed pipe would kill
    /// it (SIGPIPE) should it write there again.
    _stdout: std::process::ChildStdout,
    name: String,
    _runtime_dir: tempfile::TempDir,
}

impl Display {
    /// Starts Xvfb; panics (it is a test) when it does not start.
    pub fn start() -> Self {
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-noreset",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Xvfb (scripts/setup installs it)");
        let mut stdout = child.stdout.take().expect("Xvfb's stdout");
        let mut number = String::new();
        let mut byte = [0u8; 1];
        while stdout.read(&mut byte).expect("read the display number") == 1 && byte[0] != b'\n' {
            number.push(byte[0] as char);
        }
        assert!(!number.is_empty(), "Xvfb gave no display number");
        let name = format!(":{}", number.trim());
        // Wait until a client connects, so that a window launched at once finds the server.
        super::wait::wait_for("Xvfb to accept connections", super::wait::PATIENCE, || {
            RustConnection::connect(Some(&name)).ok()
        });
        let runtime_dir = tempfile::tempdir().expect("an XDG_RUNTIME_DIR");
        Self {
            child,
            _stdout: stdout,
            name,
            _runtime_dir: runtime_dir,
        }
    }

    /// The environment a window process needs on this display: `DISPLAY`, software GL, and a
    /// private `XDG_RUNTIME_DIR` and `XDG_DATA_HOME` (where eframe keeps the window's
    /// remembered state, so that tests do not share it with each other or the machine's user).
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("DISPLAY".into(), self.name.clone()),
            ("LIBGL_ALWAYS_SOFTWARE".into(), "1".into()),
            (
                "XDG_RUNTIME_DIR".into(),
                self._runtime_dir.path().display().to_string(),
            ),
            (
                "XDG_DATA_HOME".into(),
                self._runtime_dir.path().join("data").display().to_string(),
            ),
        ]
    }

    fn connect(&self) -> RustConnection {
        RustConnection::connect(Some(&self.name))
            .expect("connect to Xvfb")
            .0
    }

    /// The top-level windows of process `pid`, each with whether it is shown (mapped).
    pub fn windows_of(&self, pid: u32) -> Vec<(Window, bool)> {
        let conn = self.connect();
        let root = conn.setup().roots[0].root;
        let net_wm_pid = atom(&conn, "_NET_WM_PID");
        let children = conn.query_tree(root).unwrap().reply().unwrap().children;
        children
            .into_iter()
            .filter(|&window| {
                let Ok(reply) = conn
                    .get_property(false, window, net_wm_pid, AtomEnum::CARDINAL, 0, 1)
                    .unwrap()
                    .reply()
                else {
                    return false;
                };
                reply.value32().and_then(|mut v| v.next()) == Some(pid)
            })
            .map(|window| {
                let shown = conn
                    .get_window_attributes(window)
                    .unwrap()
                    .reply()
                    .is_ok_and(|a| a.map_state == MapState::VIEWABLE);
                (window, shown)
            })
            .collect()
    }

    /// Whether process `pid` shows a window.
    pub fn shows_window(&self, pid: u32) -> bool {
        self.windows_of(pid).iter().any(|(_, shown)| *shown)
    }

    /// Asks each window of `pid` to close, as a window manager's close button does.
    pub fn close_windows_of(&self, pid: u32) {
        let conn = self.connect();
        let protocols = atom(&conn, "WM_PROTOCOLS");
        let delete = atom(&conn, "WM_DELETE_WINDOW");
        for (window, _) in self.windows_of(pid) {
            let event = ClientMessageEvent::new(32, window, protocols, [delete, 0, 0, 0, 0]);
            // Checked: a round trip, so the server has sent it on when this returns.
            conn.send_event(false, window, EventMask::NO_EVENT, event)
                .unwrap()
                .check()
                .expect("send WM_DELETE_WINDOW");
        }
    }
}

fn atom(conn: &RustConnection, name: &str) -> u32 {
    conn.intern_atom(false, name.as_bytes())
        .unwrap()
        .reply()
        .unwrap()
        .atom
}

impl Drop for Display {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
