//! [`ManagerApi`]: the one way Rust code asks the manager, with one method per verb returning
//! that verb's typed result. The in-process [`crate::manager::ManagerHandle`] and the socket's
//! [`crate::ipc::Connection`] implement it (each only says how a [`Request`] becomes a
//! [`Response`]); the window, `bgassets ctl`, the Rust client and the tests use it.

use std::future::Future;
use std::path::{Path, PathBuf};

use super::{LimitsPatch, Mismatch, Move, Registered, Request, Response, Selection, Updates};
use crate::engine::Limits;
use crate::manager::view::{AppView, PackView, StatusDocument};

/// Asks the manager, verb by verb, for typed results.
pub trait ManagerApi: Sync {
    /// Why a call has no result: a refusal, a lost connection…
    type Error: std::error::Error + From<Mismatch> + Send + Sync + 'static;

    /// Sends one request and waits for its answer.
    fn call(&self, request: Request) -> impl Future<Output = Result<Response, Self::Error>> + Send;

    /// The whole state: every app and pack (`status`).
    fn status(&self) -> impl Future<Output = Result<StatusDocument, Self::Error>> + Send {
        ask(self, Request::Status, |r| match r {
            Response::Status(document) => Ok(std::sync::Arc::unwrap_or_clone(document)),
            other => Err(other),
        })
    }

    /// Every pack `app`'s manifest declares, in download order (`allAssetPacks`).
    fn all_asset_packs(
        &self,
        app: &str,
    ) -> impl Future<Output = Result<Vec<PackView>, Self::Error>> + Send {
        let request = Request::AllAssetPacks { app: app.into() };
        ask(self, request, |r| match r {
            Response::AllAssetPacks(packs) => Ok(packs),
            other => Err(other),
        })
    }

    /// One pack, with its status flags and activity (`assetPack`).
    fn asset_pack(
        &self,
        app: &str,
        pack: &str,
    ) -> impl Future<Output = Result<PackView, Self::Error>> + Send {
        let request = Request::AssetPack {
            app: app.into(),
            pack: pack.into(),
        };
        ask(self, request, |r| match r {
            Response::AssetPack(view) => Ok(*view),
            other => Err(other),
        })
    }

    /// Registers the app whose Info.plist is at `path` (or in the folder `path`), and returns
    /// its view once its manifest was read (`register`).
    fn register(&self, path: &Path) -> impl Future<Output = Result<AppView, Self::Error>> + Send {
        let request = Request::Register { path: path.into() };
        ask(self, request, |r| match r {
            Response::Register(view) => Ok(*view),
            other => Err(other),
        })
    }

    /// Forgets `app` and removes its packs; the bytes freed (`unregister`).
    fn unregister(&self, app: &str) -> impl Future<Output = Result<u64, Self::Error>> + Send {
        let request = Request::Unregister { app: app.into() };
        ask(self, request, |r| match r {
            Response::Unregister(freed) => Ok(freed),
            other => Err(other),
        })
    }

    /// Asks for the pack to be installed (its latest version with `require_latest`); the pack's
    /// view at once, before its download ends (`ensure`).
    fn ensure(
        &self,
        app: &str,
        pack: &str,
        require_latest: bool,
    ) -> impl Future<Output = Result<PackView, Self::Error>> + Send {
        let request = Request::Ensure {
            app: app.into(),
            pack: pack.into(),
            require_latest,
        };
        ask(self, request, |r| match r {
            Response::Ensure(view) => Ok(*view),
            other => Err(other),
        })
    }

    /// Pauses the selected downloads; how many changed (`pause`).
    fn pause(&self, selection: Selection) -> impl Future<Output = Result<u64, Self::Error>> + Send {
        ask(self, Request::Pause { selection }, |r| match r {
            Response::Pause(changed) => Ok(changed),
            other => Err(other),
        })
    }

    /// Resumes the selected downloads and retries failed ones; how many changed (`resume`).
    fn resume(
        &self,
        selection: Selection,
    ) -> impl Future<Output = Result<u64, Self::Error>> + Send {
        ask(self, Request::Resume { selection }, |r| match r {
            Response::Resume(changed) => Ok(changed),
            other => Err(other),
        })
    }

    /// Moves a pack in its app's download order (`prioritize`).
    fn prioritize(
        &self,
        app: &str,
        pack: &str,
        to: Move,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        let request = Request::Prioritize {
            app: app.into(),
            pack: pack.into(),
            to,
        };
        ask(self, request, |r| match r {
            Response::Prioritize => Ok(()),
            other => Err(other),
        })
    }

    /// Removes the installed pack, cancelling its download; the bytes freed (`remove`).
    fn remove(
        &self,
        app: &str,
        pack: &str,
    ) -> impl Future<Output = Result<u64, Self::Error>> + Send {
        let request = Request::Remove {
            app: app.into(),
            pack: pack.into(),
        };
        ask(self, request, |r| match r {
            Response::Remove(freed) => Ok(freed),
            other => Err(other),
        })
    }

    /// Re-reads the manifest of `app` (every app's with `None`) and starts the updates it
    /// lists (`checkUpdates`).
    fn check_updates(
        &self,
        app: Option<&str>,
    ) -> impl Future<Output = Result<Updates, Self::Error>> + Send {
        let request = Request::CheckUpdates {
            app: app.map(str::to_string),
        };
        ask(self, request, |r| match r {
            Response::CheckUpdates(updates) => Ok(updates),
            other => Err(other),
        })
    }

    /// Changes download limits live; the limits now in force (`setLimits`).
    fn set_limits(
        &self,
        limits: LimitsPatch,
    ) -> impl Future<Output = Result<Limits, Self::Error>> + Send {
        ask(self, Request::SetLimits { limits }, |r| match r {
            Response::SetLimits(limits) => Ok(limits),
            other => Err(other),
        })
    }

    /// Sets the preferred languages (empty: the environment's); those now in force
    /// (`setLanguages`).
    fn set_languages(
        &self,
        languages: Vec<String>,
    ) -> impl Future<Output = Result<Vec<String>, Self::Error>> + Send {
        ask(self, Request::SetLanguages { languages }, |r| match r {
            Response::SetLanguages(languages) => Ok(languages),
            other => Err(other),
        })
    }

    /// The absolute path of the file at `path` (relative to the pack) in an installed pack
    /// (`filePath`).
    fn file_path(
        &self,
        app: &str,
        pack: &str,
        path: &str,
    ) -> impl Future<Output = Result<PathBuf, Self::Error>> + Send {
        let request = Request::FilePath {
            app: app.into(),
            pack: pack.into(),
            path: path.into(),
        };
        ask(self, request, |r| match r {
            Response::FilePath(path) => Ok(path),
            other => Err(other),
        })
    }

    /// Makes this app connection its app's downloader extension (`registerExtension`): only
    /// over the socket, on a connection that said hello as the app.
    fn register_extension(&self) -> impl Future<Output = Result<Registered, Self::Error>> + Send {
        let request = Request::RegisterExtension { connection: None };
        ask(self, request, |r| match r {
            Response::RegisterExtension(registered) => Ok(registered),
            other => Err(other),
        })
    }

    /// Answers the pushed extension request `id` (`extensionAnswer`).
    fn extension_answer(
        &self,
        id: u64,
        answer: serde_json::Value,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        ask(self, Request::ExtensionAnswer { id, answer }, |r| match r {
            Response::ExtensionAnswer => Ok(()),
            other => Err(other),
        })
    }
}

/// Sends `request` and takes the result `pick` finds in its answer; an answer of another verb
/// is a [`Mismatch`].
pub(super) async fn ask<A, T>(
    api: &A,
    request: Request,
    pick: fn(Response) -> Result<T, Response>,
) -> Result<T, A::Error>
where
    A: ManagerApi + ?Sized,
{
    let asked = request.method();
    let response = api.call(request).await?;
    pick(response).map_err(|other| {
        A::Error::from(Mismatch {
            asked,
            answered: other.method(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manager::api::ApiError;

    /// A manager that answers every request as if it were `prioritize`.
    struct AlwaysPrioritize;

    impl ManagerApi for AlwaysPrioritize {
        type Error = ApiError;

        async fn call(&self, _: Request) -> Result<Response, ApiError> {
            Ok(Response::Prioritize)
        }
    }

    #[tokio::test]
    async fn an_answer_to_another_verb_is_an_error_naming_both() {
        let error = AlwaysPrioritize.remove("a", "p").await.unwrap_err();
        assert_eq!(
            error.message,
            "the manager answered `prioritize` to `remove`"
        );
        AlwaysPrioritize
            .prioritize("a", "p", Move::Top)
            .await
            .unwrap();
    }
}
