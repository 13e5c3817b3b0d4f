//! The apps' downloader extensions as the manager knows them: the connection extensions
//! registered over the socket (in memory: they end with their connection) and the process
//! extension an Info.plist names; [`Actor::extension_for`] picks the one to ask, a live
//! connection first. Part of the actor.

use std::collections::HashMap;
use std::path::Path;

use super::actor::Actor;
use super::api::{ApiError, Registered};
use crate::extension::{ConnectedExtension, Extension, ProcessExtension};
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
    #[expect(
        dead_code,
        reason = "the manager's events (shouldDownload, contentRequest…) ask it: issue 14, wired next"
    )]
    pub fn extension_for(&self, app: &str) -> Option<Extension> {
        let record = self.state.apps.get(app)?;
        choose(
            self.extensions.0.get(app),
            record.source.parent(),
            record.app.downloader_extension.as_deref(),
        )
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
