//! The token behind `bgassets serve --require-token SECRET`, pure: the validated [`Secret`],
//! signing a URL ([`sign`]: `?expires=UNIX&signature=HEX` with
//! `HEX = hex(HMAC-SHA256(SECRET, "GET\n" + path + "\n" + expires))`), and checking a request's
//! credentials ([`verify`]: an `Authorization: Bearer SECRET` header or a signed query that has
//! not expired) against a secret and a clock handed in. Both comparisons take the same time
//! whatever the bytes: the bearer token through SHA-256 digests compared in full, the signature
//! through `hmac`'s constant-time check. Which files need a token is [`super::gate`]'s business.

use std::fmt;

use hmac::Mac;
use url::Url;

mod secret;

pub use secret::{MAX_SECRET_LEN, Secret, SecretError, constant_time_eq};

/// The longest query looked at, in bytes; a longer one is refused before it is split.
pub const MAX_QUERY_LEN: usize = 8192;
/// The most digits an `expires` value may have (`u64::MAX` has 20).
const MAX_EXPIRES_DIGITS: usize = 20;
/// Hex digits in a signature (32 bytes of HMAC-SHA256).
const SIGNATURE_HEX_LEN: usize = 64;

/// `hex(HMAC-SHA256(secret, "GET\n" + path + "\n" + expires))`, lower case.
pub fn signature(secret: &Secret, path: &str, expires: &str) -> String {
    let tag = secret.mac().chain_update(message(path, expires)).finalize();
    tag.into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn message(path: &str, expires: &str) -> String {
    format!("GET\n{path}\n{expires}")
}

/// `url` signed until `expires_unix` (seconds since 1970): any `expires` and `signature` it
/// had are replaced, its other query pairs and its fragment are kept. The path signed is the
/// URL's path as it will be sent (percent-encoded).
pub fn sign(url: &Url, secret: &Secret, expires_unix: u64) -> Url {
    let expires = expires_unix.to_string();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(key, _)| key != "expires" && key != "signature")
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    let mut signed = url.clone();
    signed
        .query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("expires", &expires)
        .append_pair("signature", &signature(secret, url.path(), &expires));
    signed
}

/// How a request proved it may have a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// `Authorization: Bearer SECRET`.
    Bearer,
    /// A signed query that has not expired.
    Signed,
}

/// Why a request was refused: never the secret, never the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    /// Neither an `Authorization` header nor a signed query.
    NoToken,
    /// A bearer token that is not the secret.
    WrongToken,
    /// An `Authorization` header that is not one `Bearer TOKEN`.
    BadAuthorization(&'static str),
    /// A signed query whose `expires` or `signature` is missing, repeated or malformed.
    BadQuery(&'static str),
    /// A signature that does not match the path and the expiry (tampered, or another secret).
    BadSignature,
    /// A genuine signature whose time has passed.
    Expired {
        /// Its `expires`, seconds since 1970.
        expires: u64,
        /// The server's clock when it was checked.
        now: u64,
    },
}

impl Denial {
    /// A stable name, the start of the 403's body and the request log's `auth`.
    pub fn name(&self) -> &'static str {
        match self {
            Denial::NoToken => "no-token",
            Denial::WrongToken => "wrong-token",
            Denial::BadAuthorization(_) => "bad-authorization",
            Denial::BadQuery(_) => "bad-query",
            Denial::BadSignature => "bad-signature",
            Denial::Expired { .. } => "expired",
        }
    }

    /// Whether the request presented a credential at all (RFC 6750 then says `invalid_token`).
    pub fn presented_credential(&self) -> bool {
        !matches!(self, Denial::NoToken)
    }
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Denial::NoToken => f.write_str(
                "this file needs a token: send `Authorization: Bearer TOKEN`, or use a URL \
                 signed with `bgassets serve sign` (?expires=…&signature=…)",
            ),
            Denial::WrongToken => {
                f.write_str("the bearer token is not the one this server requires")
            }
            Denial::BadAuthorization(why) | Denial::BadQuery(why) => f.write_str(why),
            Denial::BadSignature => f.write_str(
                "the signature does not match this path and expiry (changed after signing, \
                 or signed with another secret)",
            ),
            Denial::Expired { expires, now } => write!(
                f,
                "the signed URL expired at {expires} (seconds since 1970); it is now {now}"
            ),
        }
    }
}

/// Checks a request's credentials: `path` as sent (percent-encoded, without the query),
/// `query` as sent (without `?`), every `Authorization` header it carried, and the clock in
/// seconds since 1970. A right bearer token or a genuine unexpired signature is enough; when
/// both are wrong, the bearer's reason is given.
pub fn verify(
    secret: &Secret,
    path: &str,
    query: Option<&str>,
    authorization: &[&[u8]],
    now: u64,
) -> Result<Credential, Denial> {
    let bearer = bearer_token(authorization);
    if let Some(Ok(token)) = bearer
        && secret.matches(token)
    {
        return Ok(Credential::Bearer);
    }
    let signed = match query.map(signed_query) {
        Some(Ok(Some(signed))) => Some(check_signature(secret, path, &signed, now)),
        Some(Ok(None)) | None => None,
        Some(Err(denial)) => Some(Err(denial)),
    };
    if let Some(Ok(credential)) = signed {
        return Ok(credential);
    }
    match (bearer, signed) {
        (Some(Ok(_)), _) => Err(Denial::WrongToken),
        (Some(Err(denial)), _) | (None, Some(Err(denial))) => Err(denial),
        (None, _) => Err(Denial::NoToken),
    }
}

/// The token of the one `Authorization: Bearer TOKEN` header; `None` without the header.
fn bearer_token<'a>(headers: &[&'a [u8]]) -> Option<Result<&'a [u8], Denial>> {
    let bad = |why| Some(Err(Denial::BadAuthorization(why)));
    let value = match headers {
        [] => return None,
        [value] => *value,
        _ => return bad("more than one Authorization header"),
    };
    let Some(space) = value.iter().position(|&byte| byte == b' ') else {
        return bad("the Authorization header is not `Bearer TOKEN`");
    };
    let (scheme, rest) = value.split_at(space);
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return bad("the Authorization header is not a Bearer token");
    }
    let token = rest.trim_ascii();
    if token.is_empty() || !token.iter().all(u8::is_ascii_graphic) {
        return bad("the bearer token is empty or holds spaces or control characters");
    }
    Some(Ok(token))
}

/// The raw `expires` and `signature` of a signed query, checked for shape.
struct SignedQuery<'a> {
    expires_text: &'a str,
    expires: u64,
    signature: [u8; 32],
}

/// `Ok(None)` when the query has neither `expires` nor `signature` (not a signed URL).
fn signed_query(query: &str) -> Result<Option<SignedQuery<'_>>, Denial> {
    if query.len() > MAX_QUERY_LEN {
        return Err(Denial::BadQuery("the query is longer than 8192 bytes"));
    }
    let (mut expires, mut signature) = (None, None);
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let slot = match key {
            "expires" => &mut expires,
            "signature" => &mut signature,
            _ => continue,
        };
        if slot.replace(value).is_some() {
            return Err(Denial::BadQuery(
                "`expires` or `signature` appears more than once in the query",
            ));
        }
    }
    let (expires_text, signature_hex) = match (expires, signature) {
        (None, None) => return Ok(None),
        (Some(expires), Some(signature)) => (expires, signature),
        (None, Some(_)) => {
            return Err(Denial::BadQuery("the query has a signature but no expires"));
        }
        (Some(_), None) => return Err(Denial::BadQuery("the query has expires but no signature")),
    };
    let digits_ok = !expires_text.is_empty()
        && expires_text.len() <= MAX_EXPIRES_DIGITS
        && expires_text.bytes().all(|byte| byte.is_ascii_digit());
    let expires = digits_ok
        .then(|| expires_text.parse::<u64>().ok())
        .flatten()
        .ok_or(Denial::BadQuery(
            "`expires` is not a whole number of seconds since 1970",
        ))?;
    let signature = decode_signature(signature_hex).ok_or(Denial::BadQuery(
        "`signature` is not 64 hexadecimal digits (HMAC-SHA256)",
    ))?;
    Ok(Some(SignedQuery {
        expires_text,
        expires,
        signature,
    }))
}

fn decode_signature(hex: &str) -> Option<[u8; 32]> {
    // Checked first: `from_str_radix` alone would take a `+` sign.
    if hex.len() != SIGNATURE_HEX_LEN || !hex.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (byte, pair) in bytes.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
        let text = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(text, 16).ok()?;
    }
    Some(bytes)
}

/// The signature first (a tampered `expires` is a bad signature, not an expiry), then the clock.
fn check_signature(
    secret: &Secret,
    path: &str,
    signed: &SignedQuery<'_>,
    now: u64,
) -> Result<Credential, Denial> {
    secret
        .mac()
        .chain_update(message(path, signed.expires_text))
        .verify_slice(&signed.signature)
        .map_err(|_| Denial::BadSignature)?;
    if signed.expires <= now {
        return Err(Denial::Expired {
            expires: signed.expires,
            now,
        });
    }
    Ok(Credential::Signed)
}

#[cfg(test)]
#[path = "token_tests.rs"]
mod tests;
