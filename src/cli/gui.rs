//! `bgassets` with no subcommand: the desktop window. It starts the manager in-process (and
//! serves the local socket, as `bgassets daemon` does, so apps and `bgassets ctl` reach it), or,
//! when a daemon already holds the data dir, drives that daemon over its socket. `--demo` runs
//! it on the embedded demo: its mock server and the demo app in a scratch data dir.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use crate::demo::{Demo, start_demo};
use crate::gui::{ManagerBackend, run_window};
use crate::ipc::{Connection, SocketServer};
use crate::manager::{Manager, ManagerConfig, ManagerError};
use crate::server::Server;
use crate::store::Paths;

/// Opens the window until it is closed, then stops what it started.
pub fn run(demo: bool, data_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("bgassets-manager")
        .build()
        .context("cannot start the async runtime")?;
    let session = runtime.block_on(Session::start(demo, data_dir))?;
    let backend = session.backend(runtime.handle());
    let shown = run_window(Arc::new(backend)).map_err(|e| anyhow::anyhow!("{e}"));
    runtime.block_on(session.stop());
    shown.context("cannot open the window")
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
    async fn start(demo: bool, data_dir: Option<PathBuf>) -> anyhow::Result<Self> {
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
            let serving = serve(&manager, &Paths::under(&data_dir));
            return Ok(Self::Local {
                manager,
                serving,
                demo: Some(Box::new((server, scratch))),
            });
        }
        let paths = Paths::resolve(data_dir.as_deref())?;
        match Manager::start(ManagerConfig::new(paths.clone())).await {
            Ok(manager) => {
                let serving = serve(&manager, &paths);
                Ok(Self::Local {
                    manager,
                    serving,
                    demo: None,
                })
            }
            Err(ManagerError::AlreadyRunning { .. }) => {
                let socket = paths.socket_path();
                let connection = Connection::connect_controller(&socket, &paths.capability_file())
                    .await
                    .context(
                        "another manager holds the data dir, and its socket does not answer",
                    )?;
                connection
                    .subscribe(None)
                    .await
                    .context("cannot follow the running manager's events")?;
                Ok(Self::Remote { connection })
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
            if let Some((task, shutdown)) = serving {
                shutdown.cancel();
                let _ = task.await;
            }
            manager.shutdown().await;
            if let Some(demo) = demo {
                let (server, _scratch) = *demo;
                server.shutdown().await;
            }
        }
    }
}

/// Serves the local socket for `manager`; without it the window still works, so a failure is
/// only logged.
fn serve(
    manager: &Manager,
    paths: &Paths,
) -> Option<(tokio::task::JoinHandle<()>, CancellationToken)> {
    let socket = paths.socket_path();
    match SocketServer::bind(&socket) {
        Ok(server) => {
            let shutdown = CancellationToken::new();
            let task = tokio::spawn(server.serve(manager.handle(), shutdown.clone()));
            Some((task, shutdown))
        }
        Err(error) => {
            tracing::warn!("not serving {}: {error}", socket.display());
            None
        }
    }
}
