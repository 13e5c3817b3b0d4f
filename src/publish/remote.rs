//! The store, through `object_store`'s S3 client (its request signing, retries and multipart
//! uploads): list what is under the prefix, read a small object with a size cap, write one with
//! its caching headers, delete one. Every failure becomes a [`PublishError`] naming the action,
//! bucket, key and endpoint, sorted into credentials refused, bucket missing, endpoint
//! unreachable, or other.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as StorePath;
use object_store::{
    Attribute, Attributes, BackoffConfig, ObjectStore, ObjectStoreExt, PutOptions, PutPayload,
    RetryConfig,
};

use super::credentials::Credentials;
use super::plan::ObjectKind;
use super::{Destination, PublishError, Request};

/// Archives: content-addressed, so cached forever.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The manifest and other site files: replaced in place, so cached briefly.
pub const SHORT_LIVED: &str = "public, max-age=60";
/// Publish records: for bgassets only.
pub const NO_CACHE: &str = "no-store";
/// The most objects a listing may return.
const MAX_LISTED: usize = 1_000_000;

/// A bucket and prefix on a store.
#[derive(Debug, Clone)]
pub struct Remote {
    pub(crate) store: AmazonS3,
    destination: Destination,
    endpoint: String,
}

impl Remote {
    /// A client for `destination` at `endpoint` (AWS's own when `None`).
    pub fn new(
        destination: &Destination,
        endpoint: Option<&str>,
        credentials: &Credentials,
        region: &str,
    ) -> Result<Self, PublishError> {
        let mut builder = AmazonS3Builder::new()
            // `If-None-Match: *` for publish records (`put_new`): AWS S3, R2, SeaweedFS.
            .with_conditional_put(object_store::aws::S3ConditionalPut::ETagMatch)
            .with_bucket_name(destination.bucket())
            .with_region(region)
            .with_access_key_id(&credentials.access_key_id)
            .with_secret_access_key(&credentials.secret_access_key)
            .with_retry(RetryConfig {
                backoff: BackoffConfig {
                    init_backoff: Duration::from_millis(100),
                    max_backoff: Duration::from_secs(5),
                    base: 2.0,
                },
                max_retries: 4,
                retry_timeout: Duration::from_secs(60),
            });
        if let Some(token) = &credentials.session_token {
            builder = builder.with_token(token);
        }
        let shown = match endpoint {
            Some(url) => {
                let parsed = url::Url::parse(url).map_err(|e| {
                    PublishError::Usage(format!("--endpoint `{url}` is not a URL: {e}"))
                })?;
                if !matches!(parsed.scheme(), "http" | "https") {
                    return Err(PublishError::Usage(format!(
                        "--endpoint `{url}` must be http:// or https://"
                    )));
                }
                builder = builder
                    .with_endpoint(url.trim_end_matches('/'))
                    .with_allow_http(parsed.scheme() == "http");
                url.trim_end_matches('/').to_string()
            }
            None => format!("https://s3.{region}.amazonaws.com"),
        };
        let store = builder.build().map_err(|e| {
            PublishError::Usage(format!(
                "cannot set up the S3 client for {destination}: {e}"
            ))
        })?;
        Ok(Self {
            store,
            destination: destination.clone(),
            endpoint: shown,
        })
    }

    /// The destination.
    pub fn destination(&self) -> &Destination {
        &self.destination
    }

    /// The request description for `action` on `name` (relative to the prefix).
    pub fn request(&self, action: &'static str, name: &str) -> Request {
        Request {
            action,
            bucket: self.destination.bucket().to_string(),
            key: self.destination.key(name),
            endpoint: self.endpoint.clone(),
        }
    }

    /// The object path of `name`.
    pub(crate) fn path(&self, name: &str) -> StorePath {
        StorePath::from(self.destination.key(name))
    }

    /// Every object under the prefix (below `folder`, a name prefix such as `packs/`, or all
    /// when empty), by name relative to the prefix, with its size.
    pub async fn list(&self, folder: &str) -> Result<BTreeMap<String, u64>, PublishError> {
        let request = self.request("list", folder);
        let prefix = self.destination.key(folder);
        let prefix = prefix.trim_end_matches('/');
        let prefix = (!prefix.is_empty()).then(|| StorePath::from(prefix));
        let mut listing = self.store.list(prefix.as_ref());
        let mut objects = BTreeMap::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(|e| classify(request.clone(), &e))?;
            if objects.len() >= MAX_LISTED {
                return Err(PublishError::Store {
                    request,
                    detail: format!("more than {MAX_LISTED} objects under the prefix"),
                });
            }
            if let Some(name) = self.destination.name_of(meta.location.as_ref()) {
                objects.insert(name.to_string(), meta.size);
            }
        }
        Ok(objects)
    }

    /// The object `name`, or `None` when there is none; refused when larger than `limit`.
    pub async fn read(&self, name: &str, limit: usize) -> Result<Option<Vec<u8>>, PublishError> {
        let request = self.request("read", name);
        let result = match self.store.get(&self.path(name)).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { source, .. })
                if !source.to_string().contains("NoSuchBucket") =>
            {
                return Ok(None);
            }
            Err(e) => return Err(classify(request, &e)),
        };
        let too_large = || PublishError::Remote {
            bucket: request.bucket.clone(),
            key: request.key.clone(),
            problem: format!("larger than {limit} bytes, not read"),
        };
        if result.meta.size > limit as u64 {
            return Err(too_large());
        }
        let mut stream = result.into_stream();
        let mut bytes = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| classify(request.clone(), &e))?;
            if bytes.len().saturating_add(chunk.len()) > limit {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Some(bytes))
    }

    /// Writes `bytes` as `name` in one request, with the caching headers of `kind`.
    pub async fn put(
        &self,
        name: &str,
        bytes: PutPayload,
        caching: &'static str,
        content_type: &'static str,
    ) -> Result<(), PublishError> {
        let options = PutOptions {
            attributes: attributes(caching, content_type),
            ..PutOptions::default()
        };
        self.store
            .put_opts(&self.path(name), bytes, options)
            .await
            .map(drop)
            .map_err(|e| classify(self.request("upload", name), &e))
    }

    /// Writes `bytes` as `name` only if no object has that name yet (`If-None-Match: *`): a
    /// publish record, whose number another publish running at the same time may have taken.
    /// `Ok(false)` when one was there first.
    pub async fn put_new(
        &self,
        name: &str,
        bytes: PutPayload,
        caching: &'static str,
        content_type: &'static str,
    ) -> Result<bool, PublishError> {
        let options = PutOptions {
            mode: object_store::PutMode::Create,
            attributes: attributes(caching, content_type),
            ..PutOptions::default()
        };
        match self.store.put_opts(&self.path(name), bytes, options).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
            Err(e) => Err(classify(self.request("upload", name), &e)),
        }
    }

    /// Deletes `name`.
    pub async fn delete(&self, name: &str) -> Result<(), PublishError> {
        self.store
            .delete(&self.path(name))
            .await
            .map_err(|e| classify(self.request("delete", name), &e))
    }
}

/// The headers an object is written with.
pub fn attributes(caching: &'static str, content_type: &'static str) -> Attributes {
    let mut attributes = Attributes::new();
    attributes.insert(Attribute::CacheControl, caching.into());
    attributes.insert(Attribute::ContentType, content_type.into());
    attributes
}

/// The caching and content type of an object of `kind` named `name`.
pub fn headers_for(kind: ObjectKind, name: &str) -> (&'static str, &'static str) {
    match kind {
        ObjectKind::Archive => (IMMUTABLE, "application/zip"),
        ObjectKind::File => (SHORT_LIVED, content_type(name)),
    }
}

/// A content type from a file name's extension.
pub fn content_type(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match extension.as_deref() {
        Some("json") => "application/json",
        Some("zip") => "application/zip",
        Some("txt") => "text/plain; charset=utf-8",
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("plist" | "xml") => "application/xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        _ => "application/octet-stream",
    }
}

/// Sorts a store error into what a person can act on.
pub fn classify(request: Request, error: &object_store::Error) -> PublishError {
    let detail = chain(error);
    let lower = detail.to_ascii_lowercase();
    match error {
        object_store::Error::NotFound { .. } if lower.contains("nosuchbucket") => {
            PublishError::BucketMissing { request }
        }
        object_store::Error::PermissionDenied { .. }
        | object_store::Error::Unauthenticated { .. } => {
            PublishError::CredentialsRefused { request, detail }
        }
        _ if lower.contains("nosuchbucket") => PublishError::BucketMissing { request },
        _ if lower.contains("invalidaccesskeyid")
            || lower.contains("signaturedoesnotmatch")
            || lower.contains("accessdenied") =>
        {
            PublishError::CredentialsRefused { request, detail }
        }
        _ if lower.contains("connect")
            || lower.contains("dns error")
            || lower.contains("error sending request") =>
        {
            PublishError::Unreachable { request, detail }
        }
        _ => PublishError::Store { request, detail },
    }
}

/// An error and its sources, one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(next) = source {
        let line = next.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = next.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archives_are_immutable_and_files_short_lived() {
        assert_eq!(
            headers_for(ObjectKind::Archive, "packs/x.zip"),
            ("public, max-age=31536000, immutable", "application/zip")
        );
        assert_eq!(
            headers_for(ObjectKind::File, "config.JSON"),
            (SHORT_LIVED, "application/json")
        );
        assert_eq!(content_type("README"), "application/octet-stream");
    }
}
