//! The notifier: a task that reads the window's [`Backend`] (its newest status document, when
//! the backend says it changed, at most [`POLL`] apart, and on that clock while news is held
//! back or the backend gives no signal: [`Wake`]), asks the [`policy`] what to tell, and
//! shows it through
//! the notification server; a click on a notification sends its pack on the clicks channel.
//!
//! It never blocks the window: it runs on the tokio runtime it is given. Without a session bus
//! it logs once and ends; without a notification server each `Notify` fails, which it logs once
//! (again only after one succeeded) and goes on. Dropping the [`Notifier`] ends the task.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::sync::mpsc;
use zbus::zvariant::Value;

use super::bus::{Bus, NotificationsProxy};
use super::policy::{self, Throttle};
use super::text::Notification;
use crate::gui::Backend;
use crate::gui::changes::Wake;
use crate::manager::api::PackRef;
use crate::manager::view::StatusDocument;

/// How often the backend's document is read, at most.
pub const POLL: Duration = Duration::from_millis(250);
/// Notification ids remembered for clicks.
const REMEMBERED: usize = 256;

/// How a [`Notifier`] runs.
#[derive(Debug)]
pub struct NotifierConfig {
    /// Where the notification server is.
    pub bus: Bus,
    /// The quiet setting at start.
    pub quiet: bool,
    /// The grouping and rate limit.
    pub throttle: Throttle,
}

impl NotifierConfig {
    /// The session bus, not quiet, the default rate limit.
    pub fn session() -> Self {
        Self {
            bus: Bus::Session,
            quiet: false,
            throttle: Throttle::default(),
        }
    }
}

/// A handle on the running notifier task.
#[derive(Debug)]
pub struct Notifier {
    say: mpsc::UnboundedSender<Notification>,
    quiet: Arc<AtomicBool>,
}

impl Notifier {
    /// Starts the notifier on `runtime`, reading `backend`. Returns the handle and the clicks:
    /// the pack each clicked notification is about, for the window to show.
    pub fn start(
        runtime: &tokio::runtime::Handle,
        backend: Arc<dyn Backend>,
        config: NotifierConfig,
    ) -> (Self, mpsc::UnboundedReceiver<PackRef>) {
        let (say, said) = mpsc::unbounded_channel();
        let (clicked, clicks) = mpsc::unbounded_channel();
        let quiet = Arc::new(AtomicBool::new(config.quiet));
        let task = Task {
            backend,
            throttle: config.throttle,
            quiet: quiet.clone(),
            said,
            clicked,
        };
        runtime.spawn(task.run(config.bus));
        (Self { say, quiet }, clicks)
    }

    /// The quiet setting: while on, nothing is sent (and what happens meanwhile is not told
    /// later).
    pub fn set_quiet(&self, quiet: bool) {
        self.quiet.store(quiet, Ordering::Relaxed);
    }

    /// Whether the quiet setting is on.
    pub fn is_quiet(&self) -> bool {
        self.quiet.load(Ordering::Relaxed)
    }

    /// Shows a one-off notification from bgassets itself ("still running in the tray"), unless
    /// quiet; it is not rate-limited.
    pub fn announce(&self, summary: &str, body: &str) {
        let notification = Notification {
            app: String::new(),
            summary: summary.to_owned(),
            body: body.to_owned(),
            target: None,
        };
        if self.say.send(notification).is_err() {
            tracing::debug!("notification not shown (the notifier has stopped): {summary}");
        }
    }
}

struct Task {
    backend: Arc<dyn Backend>,
    throttle: Throttle,
    quiet: Arc<AtomicBool>,
    said: mpsc::UnboundedReceiver<Notification>,
    clicked: mpsc::UnboundedSender<PackRef>,
}

impl Task {
    async fn run(mut self, bus: Bus) {
        let proxy = match connect(&bus).await {
            Ok(proxy) => proxy,
            Err(error) => {
                tracing::warn!("desktop notifications are off: {error}");
                return;
            }
        };
        let mut actions = match proxy.receive_action_invoked().await {
            Ok(stream) => Some(stream),
            Err(error) => {
                tracing::warn!("clicks on notifications will not show packs: {error}");
                None
            }
        };
        let mut shown = Shown::new(proxy);
        let mut wake = Wake::new(self.backend.changes(), None, POLL);
        let mut last: Option<Arc<StatusDocument>> = None;
        loop {
            tokio::select! {
                _ = wake.next(self.throttle.holds_news()) => {
                    self.poll(&mut last, &mut shown).await;
                }
                said = self.said.recv() => match said {
                    Some(notification) if !self.quiet.load(Ordering::Relaxed) => {
                        shown.show(notification).await;
                    }
                    Some(_) => {}
                    None => break,
                },
                Some(signal) = next(&mut actions) => {
                    let Ok(args) = signal.args() else { continue };
                    if args.action_key == "default"
                        && let Some(pack) = shown.targets.get(&args.id)
                    {
                        let _ = self.clicked.send(pack.clone());
                    }
                }
            }
        }
    }

    /// Reads the newest document, if it changed, and shows what is due.
    async fn poll(&mut self, last: &mut Option<Arc<StatusDocument>>, shown: &mut Shown) {
        let now = Instant::now();
        if let Some(document) = self.backend.latest()
            && !last.as_ref().is_some_and(|l| Arc::ptr_eq(l, &document))
        {
            let happenings = policy::observe(last.as_deref(), &document);
            self.throttle.offer(now, happenings);
            self.throttle.retract(&document);
            *last = Some(document);
        }
        if self.quiet.load(Ordering::Relaxed) {
            self.throttle.clear();
            return;
        }
        for notification in self.throttle.due(now) {
            shown.show(notification).await;
        }
    }
}

async fn connect(bus: &Bus) -> Result<NotificationsProxy<'static>, String> {
    let connection = bus
        .connect()
        .await
        .map_err(|error| format!("cannot connect to the session bus ({bus:?}): {error}"))?;
    NotificationsProxy::new(&connection)
        .await
        .map_err(|error| format!("cannot reach org.freedesktop.Notifications: {error}"))
}

async fn next<S: futures_util::Stream + Unpin>(stream: &mut Option<S>) -> Option<S::Item> {
    match stream {
        Some(stream) => stream.next().await,
        None => std::future::pending().await,
    }
}

/// The notifications shown: their packs (for clicks) and each app's last one (replaced by
/// the next, so an app has one notification on screen at a time).
struct Shown {
    proxy: NotificationsProxy<'static>,
    targets: BTreeMap<u32, PackRef>,
    by_app: HashMap<String, u32>,
    failing: bool,
}

impl Shown {
    fn new(proxy: NotificationsProxy<'static>) -> Self {
        Self {
            proxy,
            targets: BTreeMap::new(),
            by_app: HashMap::new(),
            failing: false,
        }
    }

    async fn show(&mut self, notification: Notification) {
        let replaces = self.by_app.get(&notification.app).copied().unwrap_or(0);
        let actions: &[&str] = if notification.target.is_some() {
            &["default", "Show"]
        } else {
            &[]
        };
        let hints = HashMap::from([("desktop-entry", Value::from("bgassets"))]);
        let sent = self
            .proxy
            .notify(
                "bgassets",
                replaces,
                "bgassets",
                &notification.summary,
                &notification.body,
                actions,
                hints,
                -1,
            )
            .await;
        match sent {
            Ok(id) => {
                self.failing = false;
                if !notification.app.is_empty() {
                    self.by_app.insert(notification.app, id);
                }
                if let Some(target) = notification.target {
                    self.targets.insert(id, target);
                    while self.targets.len() > REMEMBERED {
                        self.targets.pop_first();
                    }
                }
            }
            Err(error) if !self.failing => {
                self.failing = true;
                tracing::warn!(
                    "notification not shown ({}): {error}; later ones are dropped quietly until one succeeds",
                    notification.summary
                );
            }
            Err(_) => {}
        }
    }
}
