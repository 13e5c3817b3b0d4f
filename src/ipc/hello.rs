//! `hello`, the first line of every connection: an app names itself (its bundle id or App Group
//! id, validated as a [`FolderName`]), a controller offers the capability. What each role may do
//! next is [`super::authority`]'s business.

use serde::Deserialize;

use crate::model::FolderName;

/// How a connection introduces itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hello {
    /// An app, by its bundle id or its App Group id.
    App(FolderName),
    /// A controller, with the capability as offered (checked by the server).
    Controller(Offered),
}

/// A capability as a client offered it: 64 hex digits when right. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Offered(pub String);

impl std::fmt::Debug for Offered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Offered(…)")
    }
}

/// `hello`'s params: exactly one of the two.
#[derive(Debug, Default, Deserialize)]
pub(super) struct HelloParams {
    #[serde(default)]
    app: Option<String>,
    #[serde(default)]
    capability: Option<String>,
}

impl HelloParams {
    pub(super) fn into_hello(self) -> Result<Hello, String> {
        match (self.app, self.capability) {
            (Some(app), None) => FolderName::parse(&app)
                .map(Hello::App)
                .map_err(|problem| format!("invalid params for `hello` at `params.app`: {problem}")),
            (None, Some(capability)) => Ok(Hello::Controller(Offered(capability))),
            _ => Err("invalid params for `hello`: give exactly one of `app` (your bundle id or App Group id) and `capability`".into()),
        }
    }
}
