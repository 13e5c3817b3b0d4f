//! Credentials and region for the store, as the AWS tools find them: `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`) first, otherwise the profile
//! `AWS_PROFILE` (default `default`) of the shared credentials file
//! (`AWS_SHARED_CREDENTIALS_FILE`, default `~/.aws/credentials`). The region is `AWS_REGION`,
//! `AWS_DEFAULT_REGION`, the profile's `region` in `~/.aws/config` (`AWS_CONFIG_FILE`), else
//! `us-east-1`. Instance or container roles are not used: a publish names its credentials.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The largest credentials or config file read.
const MAX_FILE: u64 = 1 << 20;

/// Credentials to sign requests with.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The access key id.
    pub access_key_id: String,
    /// The secret key.
    pub secret_access_key: String,
    /// A session token, for temporary credentials.
    pub session_token: Option<String>,
    /// Where they came from, for messages (never the secret).
    pub source: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Credentials({}, from {})",
            self.access_key_id, self.source
        )
    }
}

/// Looks up credentials and region from the environment `env` (a lookup function, so tests
/// pass their own). `Err` says where it looked.
pub fn resolve(env: &dyn Fn(&str) -> Option<String>) -> Result<(Credentials, String), String> {
    let profile = env("AWS_PROFILE").unwrap_or_else(|| "default".into());
    let home = env("HOME").map(PathBuf::from);
    let file = |var: &str, default: &str| {
        env(var)
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(default)))
    };
    let credentials_file = file("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    let config_file = file("AWS_CONFIG_FILE", "config");
    let region = env("AWS_REGION")
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .or_else(|| {
            let text = read_small(config_file.as_deref()?)?;
            let sections = parse_ini(&text);
            let section = if profile == "default" {
                "default".to_string()
            } else {
                format!("profile {profile}")
            };
            sections.get(&section)?.get("region").cloned()
        })
        .unwrap_or_else(|| "us-east-1".into());
    if let (Some(id), Some(secret)) = (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
        let credentials = Credentials {
            access_key_id: id,
            secret_access_key: secret,
            session_token: env("AWS_SESSION_TOKEN"),
            source: "the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY variables".into(),
        };
        return Ok((credentials, region));
    }
    let not_found = |detail: String| {
        format!(
            "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile `{profile}` in the shared credentials file ({detail})"
        )
    };
    let path = credentials_file.ok_or_else(|| not_found("no HOME to find it".into()))?;
    let text =
        read_small(&path).ok_or_else(|| not_found(format!("{} cannot be read", path.display())))?;
    let sections = parse_ini(&text);
    let section = sections
        .get(&profile)
        .ok_or_else(|| not_found(format!("{} has no [{profile}]", path.display())))?;
    match (
        section.get("aws_access_key_id"),
        section.get("aws_secret_access_key"),
    ) {
        (Some(id), Some(secret)) => Ok((
            Credentials {
                access_key_id: id.clone(),
                secret_access_key: secret.clone(),
                session_token: section.get("aws_session_token").cloned(),
                source: format!("profile `{profile}` of {}", path.display()),
            },
            region,
        )),
        _ => Err(not_found(format!(
            "[{profile}] of {} lacks aws_access_key_id or aws_secret_access_key",
            path.display()
        ))),
    }
}

fn read_small(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)
        .ok()?
        .take(MAX_FILE)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

/// The sections of an INI file (`[name]`, `key = value`, `#` and `;` comments).
fn parse_ini(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut sections: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = Some(name.trim().to_string());
            sections.entry(name.trim().to_string()).or_default();
        } else if let (Some(section), Some((key, value))) = (&current, line.split_once('=')) {
            sections
                .entry(section.clone())
                .or_default()
                .insert(key.trim().to_string(), value.trim().to_string());
        }
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, String)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        move |key| map.get(key).cloned()
    }

    #[test]
    fn variables_come_first() {
        let env = env_of(&[
            ("AWS_ACCESS_KEY_ID", "id".into()),
            ("AWS_SECRET_ACCESS_KEY", "secret".into()),
            ("AWS_REGION", "auto".into()),
        ]);
        let (credentials, region) = resolve(&env).unwrap();
        assert_eq!(credentials.access_key_id, "id");
        assert_eq!(region, "auto");
        assert!(!format!("{credentials:?}").contains("secret"));
    }

    #[test]
    fn a_profile_is_read_from_the_shared_files() {
        let dir = tempfile::tempdir().unwrap();
        let aws = dir.path().join(".aws");
        std::fs::create_dir_all(&aws).unwrap();
        std::fs::write(
            aws.join("credentials"),
            "[default]\naws_access_key_id = d\naws_secret_access_key = ds\n\n# comment\n[r2]\naws_access_key_id=r\naws_secret_access_key=rs\n",
        )
        .unwrap();
        std::fs::write(aws.join("config"), "[profile r2]\nregion = auto\n").unwrap();
        let home = dir.path().display().to_string();
        let env = env_of(&[("HOME", home.clone()), ("AWS_PROFILE", "r2".into())]);
        let (credentials, region) = resolve(&env).unwrap();
        assert_eq!(
            (credentials.access_key_id.as_str(), region.as_str()),
            ("r", "auto")
        );
        let (credentials, region) = resolve(&env_of(&[("HOME", home.clone())])).unwrap();
        assert_eq!(
            (credentials.access_key_id.as_str(), region.as_str()),
            ("d", "us-east-1")
        );
        let missing = resolve(&env_of(&[("HOME", home), ("AWS_PROFILE", "x".into())]));
        assert!(missing.unwrap_err().contains("has no [x]"));
    }
}
