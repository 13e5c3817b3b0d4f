//! A private D-Bus session bus for the tray and notification tests: a real `dbus-daemon`
//! (Debian's `dbus`, installed by `scripts/setup`) on a socket in a temp dir, with a config of
//! its own (no service activation, so nothing installed on the machine answers in its place).
//! It stops when dropped. Pass [`SessionBus::address`] to the code under test (or put it in a
//! child's `DBUS_SESSION_BUS_ADDRESS`); never set the variable in the test process itself.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running private session bus.
pub struct SessionBus {
    child: Child,
    address: String,
    _dir: tempfile::TempDir,
}

impl SessionBus {
    /// Starts a bus; panics (it is a test) when `dbus-daemon` is missing or does not start.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir for the bus");
        let socket = dir.path().join("bus");
        let config = dir.path().join("session.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
                socket.display()
            ),
        )
        .expect("write the bus config");
        let mut child = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start dbus-daemon (scripts/setup installs Debian's dbus)");
        // Its complaint that an unprivileged bus cannot raise its file limit says nothing about
        // the test; everything else it says is passed on.
        let stderr = child.stderr.take().expect("the bus's stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !line.contains("Failed to set fd limit") {
                    eprintln!("{line}");
                }
            }
        });
        let stdout = child.stdout.take().expect("the bus's stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the bus address");
        let address = line.trim().to_string();
        assert!(
            address.starts_with("unix:"),
            "dbus-daemon printed no address: {line:?}"
        );
        Self {
            child,
            address,
            _dir: dir,
        }
    }

    /// The bus's address, as `DBUS_SESSION_BUS_ADDRESS` would hold it.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// A zbus connection to the bus.
    pub async fn connect(&self) -> zbus::Connection {
        zbus::connection::Builder::address(self.address())
            .expect("a valid bus address")
            .build()
            .await
            .expect("connect to the private bus")
    }
}

impl Drop for SessionBus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_private_bus_starts_answers_and_is_not_the_session_bus() {
    let bus = SessionBus::start();
    assert_ne!(
        std::env::var("DBUS_SESSION_BUS_ADDRESS").ok().as_deref(),
        Some(bus.address())
    );
    let connection = bus.connect().await;
    let dbus = zbus::fdo::DBusProxy::new(&connection).await.unwrap();
    let names = dbus.list_names().await.unwrap();
    assert!(
        names.iter().any(|n| n.as_str() == "org.freedesktop.DBus"),
        "{names:?}"
    );
    assert!(
        !names
            .iter()
            .any(|n| n.as_str() == "org.freedesktop.Notifications"),
        "nothing else answers on a private bus: {names:?}"
    );
}
