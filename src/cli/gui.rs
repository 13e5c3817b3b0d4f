//! `bgassets` with no subcommand: the desktop window and the tray item. It starts the manager
//! in-process (and serves the local socket, as `bgassets daemon` does, so apps and
//! `bgassets ctl` reach it), or, when another process holds the data dir, asks it over the
//! socket to show its window (`showWindow`) and exits; when that process is a headless daemon,
//! it opens a window on the daemon instead. `--demo` runs it on the embedded demo (its mock
//! server and the demo app in a scratch data dir); `--minimized` starts in the tray.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use crate::demo::{Demo, start_demo};
use crate::gui::closing::Resident;
use crate::gui::{
    Backend, ManagerBackend, Resources, WindowCommand, WindowCommands, WindowEvent, WindowOptions,
    run_window,
};
use crate::ipc::{Connection, SocketServer};
use crate::manager::{Manager, ManagerConfig, ManagerError};
use crate::notify::{Notifier, NotifierConfig};
use crate::server::Server;
use crate::store::Paths;
use crate::tray::{Targets, Tray};

mod windowed;

use windowed::Windowed;

/// How long registering the tray item may take before the window goes on without it.
const TRAY_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens the window (and the tray item) until Quit, then stops what it started.
pub fn run(demo: bool, minimized: bool, data_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("bgassets-manager")
        .build()
        .context("cannot start the async runtime")?;
    let commands = WindowCommands::new();
    let session = match runtime.block_on(Session::start(demo, data_dir, &commands))? {
        Started::Elsewhere(line) => {
            println!("{line}");
            return Ok(());
        }
        Started::Here(session) => session,
    };
    let backend: Arc<dyn Backend> = Arc::new(session.backend(runtime.handle()));
    let resident = Arc::new(Resident::default());
    let tray = runtime.block_on(start_tray(Targets {
        backend: backend.clone(),
        commands: commands.clone(),
        resident: resident.clone(),
    }));
    if minimized && tray.is_none() {
        eprintln!("bgassets: no tray host to start in (--minimized): showing the window");
    }
    let (notifier, clicks) =
        Notifier::start(runtime.handle(), backend.clone(), NotifierConfig::session());
    let notifier = Arc::new(notifier);
    let told = notifier.clone();
    runtime.spawn(show_clicked(clicks, commands.clone()));
    let (events, heard) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for event in heard {
            window_event(&event, &told);
        }
    });
    let resources = Resources {
        commands,
        resident,
        events: Some(events),
        notifier: Some(notifier),
        login: Some(Arc::new(crate::desktop::autostart::SystemLogin)),
    };
    let shown = run_window(
        backend,
        WindowOptions {
            resources,
            minimized,
        },
    )
    .map_err(|e| anyhow::anyhow!("{e}"));
    runtime.block_on(async {
        if let Some(tray) = tray {
            tray.shutdown().await;
        }
        session.stop().await;
    });
    shown.context("cannot open the window")
}

/// What the window tells the process: the first time it hides to the tray, a one-line
/// notification says where it went.
fn window_event(event: &WindowEvent, notifier: &Notifier) {
    match event {
        WindowEvent::HiddenToTray { first } => {
            tracing::info!(
                first = *first,
                "bgassets keeps running in the tray; its menu shows the window again or quits"
            );
            if *first {
                notifier.announce(
                    "bgassets is still running",
                    "Closed to the tray: downloads go on. Its menu shows the window again or quits.",
                );
            }
        }
    }
}

/// Shows the pack of each clicked notification in the window.
async fn show_clicked(
    mut clicks: tokio::sync::mpsc::UnboundedReceiver<crate::manager::api::PackRef>,
    commands: WindowCommands,
) {
    while let Some(pack) = clicks.recv().await {
        commands.send(WindowCommand::ShowPack {
            app: pack.app,
            pack: pack.pack,
        });
    }
}

/// The tray item, or `None` (logged) when no tray host can show it.
async fn start_tray(targets: Targets) -> Option<Tray> {
    match tokio::time::timeout(TRAY_TIMEOUT, Tray::spawn(targets)).await {
        Ok(Ok(tray)) => Some(tray),
        Ok(Err(error)) => {
            tracing::info!("{error}; closing the window quits");
            None
        }
        Err(_) => {
            tracing::warn!(
                "no tray: the tray host did not answer within {TRAY_TIMEOUT:?}; closing the window quits"
            );
            None
        }
    }
}

/// Where this launch ends up.
enum Started {
    /// A window of our own, on this session.
    Here(Session),
    /// Another process holds the data dir and showed its window: say so and exit.
    Elsewhere(String),
}

/// What the window drives.
enum Session {
    /// A manager of our own, serving the socket.
    Local {
        manager: Manager,
        serving: Option<(tokio::task::JoinHandle<()>, CancellationToken)>,
        demo: Option<Box<(Server, Option<tempfile::TempDir>)>>,
    },
    /// A daemon that already held the data dir.
    Remote { connection: Connection },
}

impl Session {
    async fn start(
        demo: bool,
        data_dir: Option<PathBuf>,
        commands: &WindowCommands,
    ) -> anyhow::Result<Started> {
        if demo {
            let Demo {
                manager,
                server,
                data_dir,
                scratch,
            } = start_demo(data_dir)
                .await
                .context("cannot start the demo")?;
            eprintln!(
                "bgassets: demo server at {}, data in {}",
                server.url(),
                data_dir.display()
            );
            let serving = serve(&manager, &Paths::under(&data_dir), commands);
            return Ok(Started::Here(Self::Local {
                manager,
                serving,
                demo: Some(Box::new((server, scratch))),
            }));
        }
        let paths = Paths::resolve(data_dir.as_deref())?;
        match Manager::start(ManagerConfig::new(paths.clone())).await {
            Ok(manager) => {
                let serving = serve(&manager, &paths, commands);
                Ok(Started::Here(Self::Local {
                    manager,
                    serving,
                    demo: None,
                }))
            }
            Err(ManagerError::AlreadyRunning { .. }) => {
                let socket = paths.socket_path();
                let connection = Connection::connect_controller(&socket, &paths.capability_file())
                    .await
                    .context(
                        "another manager holds the data dir, and its socket does not answer",
                    )?;
                match connection.show_window().await {
                    Ok(answer) if answer.shown => {
                        return Ok(Started::Elsewhere(format!(
                            "bgassets is already running on {}: its window is shown",
                            socket.display()
                        )));
                    }
                    Ok(answer) => tracing::info!(
                        "{}: opening a window on it",
                        answer
                            .reason
                            .as_deref()
                            .unwrap_or("the running manager has no window")
                    ),
                    Err(error) => tracing::info!(
                        "the running manager cannot show a window ({error}): opening one on it"
                    ),
                }
                connection
                    .subscribe(None)
                    .await
                    .context("cannot follow the running manager's events")?;
                Ok(Started::Here(Self::Remote { connection }))
            }
            Err(error) => Err(error).context("cannot start the manager"),
        }
    }

    /// The window's backend on this session.
    fn backend(&self, runtime: &tokio::runtime::Handle) -> ManagerBackend {
        match self {
            Self::Local { manager, .. } => ManagerBackend::start(runtime, manager.handle()),
            Self::Remote { connection } => {
                ManagerBackend::connected(runtime, connection.clone(), connection.events())
            }
        }
    }

    /// Stops the socket, the manager (keeping partial downloads) and the demo server.
    async fn stop(self) {
        if let Self::Local {
            manager,
            serving,
            demo,
        } = self
        {
            // The manager stops first, while the socket still serves: a running app
            // registered as its extension hears `willTerminate`.
            manager.shutdown().await;
            if let Some((task, shutdown)) = serving {
                shutdown.cancel();
                let _ = task.await;
            }
            if let Some(demo) = demo {
                let (server, _scratch) = *demo;
                server.shutdown().await;
            }
        }
    }
}

/// Serves the local socket for `manager`, answering `showWindow` with `commands`; without it
/// the window still works, so a failure is only logged.
fn serve(
    manager: &Manager,
    paths: &Paths,
    commands: &WindowCommands,
) -> Option<(tokio::task::JoinHandle<()>, CancellationToken)> {
    let socket = paths.socket_path();
    match SocketServer::bind(&socket) {
        Ok(server) => {
            let shutdown = CancellationToken::new();
            let service = Windowed::new(manager.handle(), commands.clone());
            let task = tokio::spawn(server.serve(service, shutdown.clone()));
            Some((task, shutdown))
        }
        Err(error) => {
            tracing::warn!("not serving {}: {error}", socket.display());
            None
        }
    }
}
