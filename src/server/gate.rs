//! Which files need the token under `bgassets serve --require-token` ([`TokenGate`]), pure:
//! every file does, except the public ones: the manifests (`*.json` directly at the site's
//! root) and the paths given with `--public` (a file, or a folder and everything under it). A
//! request is judged on its parsed path ([`FilePath`]), before any file is looked up, so a
//! refused client learns nothing about which files exist. The credentials themselves are
//! [`super::token`]'s.

use super::route::{FilePath, Route, route};
use super::token::{self, Credential, Denial, Secret};

/// The secret and the public paths of a server that requires a token.
#[derive(Debug, Clone)]
pub struct TokenGate {
    secret: Secret,
    public: Vec<FilePath>,
}

/// What the gate says about one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// A public file: no token needed.
    Public,
    /// A protected file and a valid credential.
    Granted(Credential),
    /// A protected file without a valid credential: `403`.
    Refused(Denial),
}

impl Admission {
    /// The request log's `auth`: `public`, `bearer`, `signed`, or the refusal's name.
    pub fn name(&self) -> &'static str {
        match self {
            Admission::Public => "public",
            Admission::Granted(Credential::Bearer) => "bearer",
            Admission::Granted(Credential::Signed) => "signed",
            Admission::Refused(denial) => denial.name(),
        }
    }
}

/// Why a `--public` path is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid --public path `{path}`: {problem}")]
pub struct PublicPathError {
    /// The path as given.
    pub path: String,
    /// What is wrong with it.
    pub problem: String,
}

impl TokenGate {
    /// A gate with only the manifests public.
    pub fn new(secret: Secret) -> Self {
        Self {
            secret,
            public: Vec::new(),
        }
    }

    /// Makes `path` public too: a path under the site root (`packs/free.zip`, `free/`), with or
    /// without a leading `/`, parsed like a request path (no `..`, no reserved names).
    pub fn with_public(mut self, path: &str) -> Result<Self, PublicPathError> {
        let error = |problem: &str| PublicPathError {
            path: path.to_string(),
            problem: problem.to_string(),
        };
        let spelled = format!("/{}", path.trim_start_matches('/'));
        match route(&spelled) {
            Ok(Route::File(file)) if !file.is_root() => {
                self.public.push(file);
                Ok(self)
            }
            Ok(Route::File(_)) => Err(error(
                "the whole site cannot be public: leave out --require-token",
            )),
            Ok(Route::Control(_)) => Err(error("the control endpoint is not a file")),
            Err(refusal) => Err(error(&format!("{}: {}", refusal.name(), refusal.message()))),
        }
    }

    /// The secret, to sign URLs with.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// The paths made public with [`TokenGate::with_public`].
    pub fn public_paths(&self) -> impl Iterator<Item = &FilePath> {
        self.public.iter()
    }

    /// Whether `path` is served without a token.
    pub fn is_public(&self, path: &FilePath) -> bool {
        let relative = path.as_path();
        let root_manifest = relative.components().count() == 1
            && relative
                .extension()
                .is_some_and(|extension| extension.eq_ignore_ascii_case("json"));
        root_manifest
            || self
                .public
                .iter()
                .any(|public| relative.starts_with(public.as_path()))
    }

    /// Judges a request for `file`: `uri_path` and `query` as sent, its `Authorization`
    /// headers, the clock in seconds since 1970.
    pub fn admit(
        &self,
        file: &FilePath,
        uri_path: &str,
        query: Option<&str>,
        authorization: &[&[u8]],
        now: u64,
    ) -> Admission {
        if self.is_public(file) {
            return Admission::Public;
        }
        match token::verify(&self.secret, uri_path, query, authorization, now) {
            Ok(credential) => Admission::Granted(credential),
            Err(denial) => Admission::Refused(denial),
        }
    }
}

/// The `WWW-Authenticate` header of a `403`: `Bearer realm="bgassets serve"`, plus RFC 6750's
/// `error="invalid_token"` and the refusal's name when a credential was presented.
pub fn www_authenticate(denial: &Denial) -> String {
    let realm = "Bearer realm=\"bgassets serve\"";
    match denial.presented_credential() {
        true => format!(
            "{realm}, error=\"invalid_token\", error_description=\"{}\"",
            denial.name()
        ),
        false => realm.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> FilePath {
        match route(path) {
            Ok(Route::File(file)) => file,
            other => panic!("{path}: {other:?}"),
        }
    }

    fn gate() -> TokenGate {
        TokenGate::new(Secret::new("t0ken").unwrap())
    }

    #[test]
    fn only_root_manifests_and_named_paths_are_public() {
        let gate = gate()
            .with_public("packs/free.zip")
            .unwrap()
            .with_public("/demo/")
            .unwrap();
        for public in [
            "/manifest.json",
            "/other.JSON",
            "/packs/free.zip",
            "/demo/x/y.zip",
        ] {
            assert!(gate.is_public(&file(public)), "{public}");
        }
        for protected in [
            "/packs/manifest.json",
            "/packs/free.zip.part",
            "/packs/free.zipx",
            "/demos/x.zip",
            "/manifest.json.zip",
            "/",
            "/packs/levels.zip",
        ] {
            assert!(!gate.is_public(&file(protected)), "{protected}");
        }
    }

    #[test]
    fn hostile_public_paths_are_refused_by_name() {
        for (path, says) in [
            ("../outside", "dot-dot"),
            ("packs/../../x", "dot-dot"),
            ("_bgassets/faults", "control endpoint"),
            ("packs/_bgassets.zip", "reserved"),
            ("a\\b", "backslash"),
            ("", "whole site"),
            ("/", "whole site"),
        ] {
            let error = gate().with_public(path).unwrap_err();
            assert!(error.to_string().contains(says), "{path}: {error}");
            assert!(error.to_string().contains(path), "{path}: {error}");
        }
    }

    #[test]
    fn protected_files_need_a_credential_and_public_ones_do_not() {
        let gate = gate();
        let bearer: [&[u8]; 1] = [b"Bearer t0ken"];
        let path = "/packs/a.zip";
        assert_eq!(
            gate.admit(&file("/manifest.json"), "/manifest.json", None, &[], 0),
            Admission::Public
        );
        let refused = gate.admit(&file(path), path, None, &[], 0);
        assert_eq!(refused, Admission::Refused(Denial::NoToken));
        assert_eq!(refused.name(), "no-token");
        let granted = gate.admit(&file(path), path, None, &bearer, 0);
        assert_eq!(granted.name(), "bearer");
        let url = url::Url::parse("http://127.0.0.1:1/packs/a.zip").unwrap();
        let signed = token::sign(&url, gate.secret(), 100);
        let admitted = gate.admit(&file(path), path, signed.query(), &[], 99);
        assert_eq!(admitted.name(), "signed");
    }

    #[test]
    fn the_challenge_says_invalid_token_only_when_one_was_presented() {
        assert_eq!(
            www_authenticate(&Denial::NoToken),
            "Bearer realm=\"bgassets serve\""
        );
        assert_eq!(
            www_authenticate(&Denial::Expired { expires: 1, now: 2 }),
            "Bearer realm=\"bgassets serve\", error=\"invalid_token\", error_description=\"expired\""
        );
    }
}
