//! Who may ask what over the socket, as pure decisions (`docs/security.md` gives the why).
//!
//! A connection starts with no role and may only say `hello`. It then is either
//! - a **controller** (the window, `bgassets ctl`), proven by the capability the server wrote
//!   beside its socket ([`super::capability`]): it may send everything; or
//! - an **app**, named by its bundle id or App Group id (its *scope*): it sees and acts on the
//!   packs of the apps its scope covers, and nothing that belongs to the manager as a whole.
//!
//! [`judge`] decides from the request alone when it can; a request naming an app other than the
//! scope's own name asks the caller to look that app up ([`Verdict::IfCovered`]), since only the
//! manager knows which apps share an App Group ([`covers`], [`app_is_covered`]).

use serde::{Deserialize, Serialize};

use crate::manager::api::{ApiError, Request, Target};
use std::collections::BTreeSet;

use crate::manager::delta::StatusDelta;
use crate::manager::view::{AppView, StatusDocument};
use crate::model::{ErrorKind, FolderName};

/// The error kind of a request the connection's role does not allow.
pub const NOT_AUTHORIZED: ErrorKind = ErrorKind::NotAuthorized;

/// What a connection proved itself to be; `hello`'s result, in JSON `{"role": "controller"}` or
/// `{"role": "app", "app": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "RoleLine", from = "RoleLine")]
pub enum Role {
    /// Holds the capability: may do everything.
    Controller,
    /// An app: acts on the apps whose bundle id or App Group id is this name.
    App(FolderName),
}

/// [`Role`] as the `hello` line spells it.
#[derive(Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "camelCase")]
enum RoleLine {
    Controller,
    App { app: FolderName },
}

impl From<Role> for RoleLine {
    fn from(role: Role) -> Self {
        match role {
            Role::Controller => Self::Controller,
            Role::App(app) => Self::App { app },
        }
    }
}

impl From<RoleLine> for Role {
    fn from(line: RoleLine) -> Self {
        match line {
            RoleLine::Controller => Self::Controller,
            RoleLine::App { app } => Self::App(app),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Controller => f.write_str("as a controller"),
            Self::App(scope) => write!(f, "as the app `{scope}`"),
        }
    }
}

/// What to do with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict<'a> {
    /// Send it to the manager as it is.
    Allow,
    /// Send it, and keep only the scope's apps in its result (`status` for an app).
    AllowFiltered,
    /// Allowed if the scope covers each of these apps (named by the request, and not the scope's
    /// own name): the caller looks them up.
    IfCovered(Vec<&'a str>),
    /// Refused.
    Deny(ApiError),
}

/// The refusal of everything but `hello` before one.
pub fn say_hello_first(method: &str) -> ApiError {
    ApiError::new(
        NOT_AUTHORIZED,
        format!(
            "`{method}` refused: this connection has not said who it is. Send \
             {{\"method\": \"hello\", \"params\": {{\"app\": \"<your bundle id or App Group id>\"}}}} \
             first, or {{\"method\": \"hello\", \"params\": {{\"capability\": \"<64 hex digits>\"}}}} \
             as a controller"
        ),
    )
}

/// Decides whether `role` may send `request`.
pub fn judge<'a>(role: Option<&Role>, request: &'a Request) -> Verdict<'a> {
    let method = request.method();
    let scope = match role {
        None => return Verdict::Deny(say_hello_first(method)),
        Some(Role::Controller) => return Verdict::Allow,
        Some(Role::App(scope)) => scope,
    };
    match request.target() {
        Target::Everything
            if matches!(request, Request::Status | Request::StatusChanges { .. }) =>
        {
            Verdict::AllowFiltered
        }
        Target::Everything => Verdict::Deny(ApiError::new(
            NOT_AUTHORIZED,
            format!(
                "`{method}` of every app is for controllers; an app connection (`{scope}`) must name its own app"
            ),
        )),
        Target::Manager => Verdict::Deny(ApiError::new(
            NOT_AUTHORIZED,
            format!(
                "`{method}` is for controllers (the window, `bgassets ctl`); an app connection (`{scope}`) may act only on its own packs"
            ),
        )),
        Target::OwnApp(app) if app == scope.as_str() => Verdict::Allow,
        Target::OwnApp(app) => Verdict::Deny(ApiError::new(
            NOT_AUTHORIZED,
            format!(
                "`{method}` refused: this connection speaks for `{scope}`; an app's downloads are its own, and `{}` is another app",
                app.escape_debug()
            ),
        )),
        Target::Apps(apps) => {
            let others: Vec<&str> = apps
                .into_iter()
                .filter(|app| *app != scope.as_str())
                .collect();
            if others.is_empty() {
                Verdict::Allow
            } else {
                Verdict::IfCovered(others)
            }
        }
    }
}

/// Decides whether `role` may subscribe to events, of one app or of all it may see.
pub fn judge_subscription<'a>(role: Option<&Role>, app: Option<&'a str>) -> Verdict<'a> {
    match (role, app) {
        (None, _) => Verdict::Deny(say_hello_first("subscribe")),
        (Some(Role::Controller), _) => Verdict::Allow,
        (Some(Role::App(_)), None) => Verdict::AllowFiltered,
        (Some(Role::App(scope)), Some(app)) if app == scope.as_str() => Verdict::Allow,
        (Some(Role::App(_)), Some(app)) => Verdict::IfCovered(vec![app]),
    }
}

/// The refusal of a request naming `app`, which the scope does not cover.
pub fn not_covered(method: &str, scope: &FolderName, app: &str) -> ApiError {
    ApiError::new(
        NOT_AUTHORIZED,
        format!(
            "`{method}` refused: this connection speaks for `{scope}`, which does not cover app `{}`",
            app.escape_debug()
        ),
    )
}

/// Whether `scope` covers the app with this bundle id and container (`BAAppGroupID`, else the
/// bundle id): its own bundle id, or the App Group it shares.
pub fn covers(scope: &str, bundle_id: &str, container: Option<&str>) -> bool {
    bundle_id == scope || container == Some(scope)
}

/// Whether `scope` covers `app`, going by a status document's apps (`None`: not registered).
pub fn app_is_covered(status: &StatusDocument, scope: &str, app: &str) -> Option<bool> {
    status
        .apps
        .iter()
        .map(identity)
        .find(|(bundle_id, _)| *bundle_id == app)
        .map(|(bundle_id, container)| covers(scope, bundle_id, container))
}

/// Keeps only the apps `scope` covers in a status document.
pub fn keep_covered(status: &mut StatusDocument, scope: &str) {
    status.apps.retain(|app| {
        let (bundle_id, container) = identity(app);
        covers(scope, bundle_id, container)
    });
}

/// The bundle ids `scope` covers in a status document, and the scope itself (its own app, so
/// that its removal is told).
pub fn covered_apps(status: &StatusDocument, scope: &str) -> BTreeSet<String> {
    let mut apps: BTreeSet<String> = status
        .apps
        .iter()
        .filter(|app| {
            let (bundle_id, container) = identity(app);
            covers(scope, bundle_id, container)
        })
        .map(|app| app.bundle_id.clone())
        .collect();
    apps.insert(scope.to_string());
    apps
}

/// Keeps only what concerns `apps` in a status delta.
pub fn keep_apps_changes(delta: &mut StatusDelta, apps: &BTreeSet<String>) {
    delta.apps.retain(|a| apps.contains(&a.bundle_id));
    delta.headers.retain(|a| apps.contains(&a.bundle_id));
    delta.packs.retain(|p| apps.contains(&p.app));
    delta.removed_apps.retain(|a| apps.contains(a));
}

/// An app view's bundle id and the last part of its container's path (the container's name).
fn identity(app: &AppView) -> (&str, Option<&str>) {
    let container = app.container.file_name().and_then(|name| name.to_str());
    (&app.bundle_id, container)
}

#[cfg(test)]
#[path = "authority_tests.rs"]
mod tests;
