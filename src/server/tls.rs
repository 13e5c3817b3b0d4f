//! `--tls`: a self-signed certificate made at start with rcgen (SANs `localhost`, `127.0.0.1`,
//! `::1`; valid from yesterday for 90 days, well under the 825-day limit clients enforce),
//! written as `cert.pem` and `key.pem` so clients can trust it, and the rustls acceptor that
//! serves it (aws-lc-rs provider, HTTP/1.1 only).
//!
//! Without `--cert-dir` the files go to a fresh temporary directory that lives as long as the
//! server and is removed when it stops. A `--cert-dir` that holds the served directory is
//! refused before anything is written; one inside it is hidden by the file lookup.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, KeyPair, KeyUsagePurpose,
};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types};

use super::config::ServeError;

/// How long the certificate is valid from now.
pub const VALIDITY: Duration = Duration::from_secs(90 * 24 * 3600);

/// The certificate, where it was written, and the acceptor serving it.
pub struct TlsSetup {
    /// Accepts TLS connections with the certificate.
    pub acceptor: TlsAcceptor,
    /// `cert.pem`: the certificate clients should trust.
    pub cert_path: PathBuf,
    /// The directory holding `cert.pem` and `key.pem`, canonical: never served from.
    pub dir: PathBuf,
    /// The certificate in PEM form (the content of `cert.pem`).
    pub cert_pem: String,
    /// Removes the temporary directory when dropped (none with `--cert-dir`).
    pub temp_dir: Option<TempDir>,
}

impl std::fmt::Debug for TlsSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsSetup")
            .field("cert_path", &self.cert_path)
            .finish_non_exhaustive()
    }
}

/// Makes the certificate, writes it to `cert_dir` (or a temporary directory) and builds the
/// acceptor. `root` is the canonical served directory: a `cert_dir` holding it is refused.
pub fn setup(cert_dir: Option<&Path>, root: &Path) -> Result<TlsSetup, ServeError> {
    let (dir, temp_dir) = match cert_dir {
        Some(dir) => {
            let canonical = std::fs::create_dir_all(dir)
                .and_then(|()| std::fs::canonicalize(dir))
                .map_err(|source| ServeError::CertDir {
                    path: dir.to_path_buf(),
                    source,
                })?;
            if root.starts_with(&canonical) {
                return Err(ServeError::CertDirHoldsRoot {
                    cert_dir: canonical,
                    root: root.to_path_buf(),
                });
            }
            (canonical, None)
        }
        None => {
            let temp = TempDir::new()?;
            let canonical =
                std::fs::canonicalize(temp.path()).map_err(|source| ServeError::CertDir {
                    path: temp.path().to_path_buf(),
                    source,
                })?;
            (canonical, Some(temp))
        }
    };
    let key = KeyPair::generate().map_err(|source| ServeError::Certificate { source })?;
    let cert = params()?
        .self_signed(&key)
        .map_err(|source| ServeError::Certificate { source })?;
    let cert_pem = cert.pem();
    let cert_path = dir.join("cert.pem");
    write_file(&cert_path, cert_pem.as_bytes(), false)?;
    write_file(&dir.join("key.pem"), key.serialize_pem().as_bytes(), true)?;

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let key_der = pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| {
            builder
                .with_no_client_auth()
                .with_single_cert(vec![cert.der().clone()], key_der)
        })
        .map_err(|source| ServeError::Tls { source })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsSetup {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        cert_path,
        dir,
        cert_pem,
        temp_dir,
    })
}

/// The certificate's names and validity window.
fn params() -> Result<CertificateParams, ServeError> {
    let names = ["localhost", "127.0.0.1", "::1"].map(String::from).to_vec();
    let mut params =
        CertificateParams::new(names).map_err(|source| ServeError::Certificate { source })?;
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "bgassets mock server");
    params.distinguished_name = name;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    // rcgen's dates are `time` values; build them from the epoch to avoid naming that crate.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let yesterday = now.saturating_sub(Duration::from_secs(24 * 3600));
    const YEAR_9000: Duration = Duration::from_secs(221_845_392_000);
    if now > YEAR_9000 {
        return Err(ServeError::Clock);
    }
    let epoch = rcgen::date_time_ymd(1970, 1, 1);
    params.not_before = epoch + yesterday;
    params.not_after = epoch + now + VALIDITY;
    Ok(params)
}

fn write_file(path: &Path, bytes: &[u8], private: bool) -> Result<(), ServeError> {
    let error = |source| ServeError::WriteFile {
        path: path.to_path_buf(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    use std::io::Write;
    options
        .open(path)
        .and_then(|mut file| file.write_all(bytes))
        .map_err(error)
}

/// A directory made under the system's temporary directory, removed when dropped.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates `bgassets-serve-PID-RANDOM` in the temporary directory.
    pub fn new() -> Result<TempDir, ServeError> {
        let base = std::env::temp_dir();
        let mut last_error = None;
        for _ in 0..16 {
            let path = base.join(format!(
                "bgassets-serve-{}-{:016x}",
                std::process::id(),
                fastrand::u64(..)
            ));
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(TempDir { path }),
                Err(error) => last_error = Some(error),
            }
        }
        Err(ServeError::CertDir {
            path: base,
            source: last_error.unwrap_or_else(|| std::io::Error::other("no attempt made")),
        })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // The folder this server made under a unique name; the guarded delete checks it lies
        // inside the temporary directory that holds it.
        if let Some(parent) = self.path.parent() {
            let _ = crate::store::remove_tree(parent, &self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_files_are_written_and_removed_with_the_temp_dir() {
        let setup = setup(None, Path::new("/nonexistent-root")).unwrap();
        let dir = setup.temp_dir.as_ref().unwrap().path().to_path_buf();
        let pem = std::fs::read_to_string(&setup.cert_path).unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(pem, setup.cert_pem);
        assert!(dir.join("key.pem").exists());
        drop(setup);
        assert!(!dir.exists());
    }

    #[test]
    fn a_cert_dir_holding_the_root_is_refused_before_writing() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().join("site");
        std::fs::create_dir_all(&root).unwrap();
        let root = std::fs::canonicalize(root).unwrap();
        for cert_dir in [temp.path().to_path_buf(), root.clone()] {
            let error = setup(Some(&cert_dir), &root).unwrap_err();
            assert!(
                matches!(error, ServeError::CertDirHoldsRoot { .. }),
                "{error}"
            );
            assert!(!cert_dir.join("key.pem").exists());
        }
        let inside = setup(Some(&root.join("certs")), &root).unwrap();
        assert_eq!(inside.dir, root.join("certs"));
    }

    #[test]
    fn validity_is_short_and_names_cover_loopback() {
        let params = params().unwrap();
        let days = (params.not_after - params.not_before).whole_days();
        assert!((90..=91).contains(&days), "{days} days");
        let names = format!("{:?}", params.subject_alt_names);
        assert!(
            names.contains("127.0.0.1") && names.contains("::1") && names.contains("localhost")
        );
    }
}
