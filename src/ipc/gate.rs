//! One connection's authority, server side: the role its `hello` proved, and the look-ups the
//! pure decisions of [`super::authority`] ask for (which apps an App Group id covers is the
//! manager's knowledge: it is read from the status document, and remembered for events).

use std::collections::HashMap;
use std::sync::Arc;

use super::authority::{self, NOT_AUTHORIZED, Role, Verdict};
use super::capability::Capability;
use super::protocol::{Hello, INVALID_REQUEST};
use super::service::Service;
use crate::manager::api::{ApiError, Request, Response};
use crate::manager::event::{ManagerEvent, ManagerEventKind};
use crate::model::FolderName;

/// What to do to a result before it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// Send it as it is.
    Nothing,
    /// Keep only the apps this scope covers (an app's `status`).
    Scope(FolderName),
    /// Keep only these apps (an app's `statusChanges`: the apps its scope covers, looked up in
    /// the published document, and its own bundle id).
    Apps(std::collections::BTreeSet<String>),
}

impl Filter {
    /// The result as the connection may see it.
    pub fn apply(&self, result: Result<Response, ApiError>) -> Result<Response, ApiError> {
        match (self, result) {
            (Self::Scope(scope), Ok(Response::Status(mut status))) => {
                authority::keep_covered(std::sync::Arc::make_mut(&mut status), scope);
                Ok(Response::Status(status))
            }
            (Self::Apps(apps), Ok(Response::StatusChanges(mut delta))) => {
                authority::keep_apps_changes(&mut delta, apps);
                Ok(Response::StatusChanges(delta))
            }
            (_, result) => result,
        }
    }
}

/// A connection's role and what it learnt about other apps.
#[derive(Debug)]
pub struct Gate {
    role: Option<Role>,
    capability: Arc<Capability>,
    /// Whether the scope covers an app other than its own name, as looked up for events.
    covered: HashMap<String, bool>,
}

impl Gate {
    /// A connection that has not said hello, on a server holding `capability`.
    pub fn new(capability: Arc<Capability>) -> Self {
        Self {
            role: None,
            capability,
            covered: HashMap::new(),
        }
    }

    /// The role, once `hello` succeeded.
    pub fn role(&self) -> Option<&Role> {
        self.role.as_ref()
    }

    /// Answers `hello`: takes the role, or says why not. A connection says hello once.
    pub fn hello(&mut self, hello: Hello) -> Result<Role, ApiError> {
        if let Some(role) = &self.role {
            return Err(ApiError::new(
                INVALID_REQUEST,
                format!(
                    "this connection already said hello ({role}); open another connection for another role"
                ),
            ));
        }
        let role = match hello {
            Hello::App(scope) => Role::App(scope),
            Hello::Controller(offered) if self.capability.matches(&offered.0) => Role::Controller,
            Hello::Controller(_) => {
                return Err(ApiError::new(
                    NOT_AUTHORIZED,
                    "wrong capability: it is not this manager's (the manager draws a new one at \
                     each start; read the capability file again)",
                ));
            }
        };
        self.role = Some(role.clone());
        Ok(role)
    }

    /// Whether the connection may send `request`, and what to filter out of its result.
    pub async fn admit<S: Service>(
        &self,
        service: &S,
        request: &Request,
    ) -> Result<Filter, ApiError> {
        let verdict = authority::judge(self.role(), request);
        self.settle(service, request.method(), verdict).await
    }

    /// Whether the connection may subscribe to `app`'s events (or all it may see).
    pub async fn admit_subscription<S: Service>(
        &self,
        service: &S,
        app: Option<&str>,
    ) -> Result<(), ApiError> {
        let verdict = authority::judge_subscription(self.role(), app);
        self.settle(service, "subscribe", verdict).await.map(drop)
    }

    /// Anything is allowed once hello is said (`unsubscribe`).
    pub fn admit_any(&self, method: &str) -> Result<(), ApiError> {
        match self.role {
            Some(_) => Ok(()),
            None => Err(authority::say_hello_first(method)),
        }
    }

    /// Turns a verdict into an answer, looking apps up when it asks.
    async fn settle<S: Service>(
        &self,
        service: &S,
        method: &str,
        verdict: Verdict<'_>,
    ) -> Result<Filter, ApiError> {
        match (verdict, self.role()) {
            (Verdict::Allow, _) => Ok(Filter::Nothing),
            (Verdict::AllowFiltered, Some(Role::App(scope))) if method == "statusChanges" => {
                let status = service.status().await?;
                Ok(Filter::Apps(authority::covered_apps(&status, scope)))
            }
            (Verdict::AllowFiltered, Some(Role::App(scope))) => Ok(Filter::Scope(scope.clone())),
            (Verdict::AllowFiltered, _) => Ok(Filter::Nothing),
            (Verdict::Deny(error), _) => Err(error),
            (Verdict::IfCovered(apps), Some(Role::App(scope))) => {
                let status = service.status().await?;
                match apps
                    .iter()
                    .find(|app| authority::app_is_covered(&status, scope, app) != Some(true))
                {
                    None => Ok(Filter::Nothing),
                    Some(app) => Err(authority::not_covered(method, scope, app)),
                }
            }
            (Verdict::IfCovered(_), _) => Ok(Filter::Nothing),
        }
    }

    /// Whether a subscriber on this connection may see `event`. Only an app connection's events
    /// of apps other than its own name need a look-up, once per app (again after it registers).
    pub async fn shows<S: Service>(&mut self, service: &S, event: &ManagerEvent) -> bool {
        let scope = match &self.role {
            Some(Role::Controller) => return true,
            None => return false,
            Some(Role::App(scope)) if event.app == scope.as_str() => return true,
            Some(Role::App(scope)) => scope.clone(),
        };
        match event.kind {
            // Its App Group may have changed: look again.
            ManagerEventKind::Registered => {
                self.covered.remove(&event.app);
            }
            // Gone from the status document: the last answer stands, then is forgotten.
            ManagerEventKind::Unregistered => {
                return self.covered.remove(&event.app).unwrap_or(false);
            }
            _ => {}
        }
        if let Some(known) = self.covered.get(&event.app) {
            return *known;
        }
        let Ok(status) = service.status().await else {
            return false;
        };
        let known = authority::app_is_covered(&status, &scope, &event.app).unwrap_or(false);
        self.covered.insert(event.app.clone(), known);
        known
    }
}
