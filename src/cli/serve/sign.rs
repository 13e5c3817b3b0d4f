//! `bgassets serve sign URL --secret SECRET [--ttl 60s]`: prints the URL signed for a server
//! run with `--require-token SECRET`, valid from now for `--ttl`, alone on one line of stdout.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use url::Url;

use super::{SecretArg, TOKEN_ENV};
use crate::model::size::parse_duration;
use crate::server::token;

/// `bgassets serve sign`'s arguments.
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// The http or https URL of a file on the server.
    #[arg(value_name = "URL", value_parser = parse_url)]
    pub url: Url,
    /// The server's secret. Better given in the environment variable BGASSETS_SERVE_TOKEN,
    /// which stays out of `ps`.
    #[arg(
        long,
        value_name = "SECRET",
        env = TOKEN_ENV,
        hide_env_values = true
    )]
    pub secret: SecretArg,
    /// How long the URL stays valid (e.g. 60s, 10m; at least 1s).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_ttl)]
    pub ttl: Duration,
}

/// Prints the signed URL.
pub fn run(args: SignArgs) -> anyhow::Result<()> {
    let secret = args.secret.validate("--secret")?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("the system clock is before 1970")?;
    let expires = expiry(now, args.ttl).with_context(|| {
        format!(
            "cannot sign {}: now + --ttl {:?} does not fit in a u64 of seconds since 1970",
            args.url, args.ttl
        )
    })?;
    println!("{}", token::sign(&args.url, &secret, expires));
    Ok(())
}

/// Seconds since 1970 at `now + ttl`, rounded up to a whole second; `None` on overflow.
fn expiry(now: Duration, ttl: Duration) -> Option<u64> {
    let at = now.checked_add(ttl)?;
    at.as_secs().checked_add(u64::from(at.subsec_nanos() > 0))
}

fn parse_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|error| format!("`{text}` is not a URL: {error}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!(
            "`{text}` is not an http or https URL with a host, as `bgassets serve` serves"
        ));
    }
    Ok(url)
}

fn parse_ttl(text: &str) -> Result<Duration, String> {
    let ttl = parse_duration(text).map_err(|error| error.to_string())?;
    if ttl < Duration::from_secs(1) {
        return Err(format!("{text} is shorter than 1s"));
    }
    Ok(ttl)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expiry_rounds_up_and_never_wraps() {
        let now = Duration::new(1_000, 0);
        assert_eq!(expiry(now, Duration::from_secs(60)), Some(1_060));
        assert_eq!(expiry(now, Duration::from_millis(1_500)), Some(1_002));
        assert_eq!(
            expiry(Duration::new(1_000, 1), Duration::from_secs(1)),
            Some(1_002)
        );
        assert_eq!(expiry(now, Duration::MAX), None);
        assert_eq!(expiry(Duration::new(u64::MAX, 5), Duration::ZERO), None);
    }

    #[test]
    fn urls_and_ttls_are_checked() {
        assert!(parse_url("http://127.0.0.1:8080/packs/a.zip").is_ok());
        for bad in [
            "file:///etc/passwd",
            "ftp://h/x",
            "not a url",
            "/packs/a.zip",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_ttl("60s"), Ok(Duration::from_secs(60)));
        assert!(parse_ttl("500ms").is_err());
        assert!(parse_ttl("soon").is_err());
    }
}
