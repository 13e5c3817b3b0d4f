//! The apps' downloader extensions as the manager knows them: the connection extensions
//! registered over the socket (in memory: they end with their connection) and the process
//! extension an Info.plist names; [`Actor::extension_for`] picks the one to ask, a live
//! connection first. Part of the actor.

use std::collections::HashMap;
use std::path::Path;

use super::actor::Actor;
use super::api::{ApiError, Registered};
use crate::extension::{
    ConnectedExtension, Extension, ExtensionLimits, ExtensionRequest, ProcessExtension,
};
use crate::model::ErrorKind;

/// The connection extensions, by app bundle id.
#[derive(Debug, Default)]
pub(super) struct ConnectedExtensions(HashMap<String, ConnectedExtension>);

impl Actor {
    /// `registerExtension`: `connection` (filled in by the socket server) becomes its app's
    /// extension, replacing an earlier one; the app must be registered.
    pub(super) fn register_extension(
        &mut self,
        connection: Option<ConnectedExtension>,
    ) -> Result<Registered, ApiError> {
        let Some(connection) = connection else {
            return Err(ApiError::new(
                ErrorKind::NotAuthorized,
                "`registerExtension` comes from an app connection over the socket, which the \
                 manager then asks; it has no meaning here",
            ));
        };
        let app = connection.app().to_string();
        if !self.state.apps.contains_key(&app) {
            return Err(ApiError::new(
                ErrorKind::AppNotFound,
                format!(
                    "no registered app `{app}`: register the app first, and say hello with its \
                     bundle id (not an App Group id) before `registerExtension`"
                ),
            ));
        }
        tracing::info!("{app}: {} is its extension now", connection.name());
        self.extensions.0.insert(app.clone(), connection);
        self.views.app_changed(&app);
        Ok(Registered { registered: true })
    }

    /// The extension to ask for `app`, if it has one: its connection extension while that is
    /// connected, else the process its Info.plist names (checked again when it is called).
    pub fn extension_for(&self, app: &str) -> Option<Extension> {
        let record = self.state.apps.get(app)?;
        choose(
            self.extensions.0.get(app),
            record.source.parent(),
            record.app.downloader_extension.as_deref(),
        )
    }
}

impl Actor {
    /// A call of `app`'s extension began (off the actor).
    pub(super) fn extension_call_began(&mut self, app: &str) {
        *self.extension_calls.entry(app.to_string()).or_default() += 1;
    }

    /// A call of `app`'s extension ended.
    pub(super) fn extension_call_ended(&mut self, app: &str) {
        if let Some(n) = self.extension_calls.get_mut(app) {
            *n = n.saturating_sub(1);
        }
    }

    /// `willTerminate`, as the manager stops: to every connection extension still connected,
    /// and to the process extension of every app one of whose calls is still running; all at
    /// once, each within [`ExtensionLimits::will_terminate`]. Best effort: a failure is logged.
    pub(super) async fn tell_extensions_terminating(&mut self) {
        let limits = ExtensionLimits::will_terminate();
        let mut calls = tokio::task::JoinSet::new();
        for (app, record) in &self.state.apps {
            let connected = self.extensions.0.get(app).is_some_and(|c| c.is_connected());
            if !connected && self.extension_calls.get(app).is_none_or(|n| *n == 0) {
                continue;
            }
            let Some(extension) = self.extension_for(app) else {
                continue;
            };
            let container = self.paths.container(record.app.container_name());
            let request = ExtensionRequest::WillTerminate { app: app.clone() };
            calls.spawn(async move {
                if let Err(error) = extension.call(&container, &request, &limits).await {
                    tracing::warn!("{error}");
                }
            });
        }
        while calls.join_next().await.is_some() {}
    }
}

/// A connected extension takes precedence over the process extension while connected.
fn choose(
    connected: Option<&ConnectedExtension>,
    folder: Option<&Path>,
    declared: Option<&str>,
) -> Option<Extension> {
    if let Some(connected) = connected.filter(|c| c.is_connected()) {
        return Some(Extension::Connected(connected.clone()));
    }
    match (folder, declared) {
        (Some(folder), Some(path)) => {
            Some(Extension::Process(ProcessExtension::declared(folder, path)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extension::connected::pair;

    #[test]
    fn a_live_connection_goes_first_then_the_process() {
        let folder = Path::new("/apps/Game.app/Contents");
        let (connected, endpoint) = pair("a.b", 4);
        let chosen = choose(Some(&connected), Some(folder), Some("MacOS/ext"));
        assert!(
            matches!(chosen, Some(Extension::Connected(_))),
            "{chosen:?}"
        );
        drop(endpoint);
        let chosen = choose(Some(&connected), Some(folder), Some("MacOS/ext"));
        let Some(Extension::Process(process)) = chosen else {
            panic!("the process after the connection closed: {chosen:?}");
        };
        assert_eq!(process.path(), "MacOS/ext");
        assert!(choose(Some(&connected), Some(folder), None).is_none());
        assert!(choose(None, Some(folder), None).is_none());
    }
}
