use super::secret::HmacSha256;
use super::*;
use hmac::KeyInit;

const NOW: u64 = 1_800_000_000;

fn secret() -> Secret {
    Secret::new("s3cret-token").unwrap()
}

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

/// The query of `url` signed with `secret` until `expires`.
fn signed_query_of(path: &str, secret: &Secret, expires: u64) -> String {
    let signed = sign(&url(&format!("http://127.0.0.1:9{path}")), secret, expires);
    signed.query().unwrap().to_string()
}

fn check(path: &str, query: Option<&str>, authorization: &[&[u8]]) -> Result<Credential, Denial> {
    verify(&secret(), path, query, authorization, NOW)
}

#[test]
fn the_signature_is_the_documented_hmac() {
    // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?". The message here is
    // "GET\n" + path + "\n" + expires, so the path and expiry are chosen to spell it.
    let jefe = Secret::new("Jefe").unwrap();
    let mac = HmacSha256::new_from_slice(b"Jefe")
        .unwrap()
        .chain_update(b"what do ya want for nothing?")
        .finalize()
        .into_bytes();
    let hex: String = mac.iter().map(|byte| format!("{byte:02x}")).collect();
    assert_eq!(
        hex,
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    // And the message layout itself, computed by hand.
    let expected = HmacSha256::new_from_slice(b"Jefe")
        .unwrap()
        .chain_update(b"GET\n/packs/a.zip\n42")
        .finalize()
        .into_bytes();
    let expected: String = expected.iter().map(|byte| format!("{byte:02x}")).collect();
    assert_eq!(signature(&jefe, "/packs/a.zip", "42"), expected);
}

#[test]
fn a_signed_url_verifies_until_it_expires() {
    let query = signed_query_of("/packs/a.zip", &secret(), NOW + 60);
    assert_eq!(
        check("/packs/a.zip", Some(&query), &[]),
        Ok(Credential::Signed)
    );
    let at_expiry = verify(&secret(), "/packs/a.zip", Some(&query), &[], NOW + 60);
    assert_eq!(
        at_expiry,
        Err(Denial::Expired {
            expires: NOW + 60,
            now: NOW + 60
        })
    );
    assert_eq!(at_expiry.unwrap_err().name(), "expired");
}

#[test]
fn signing_keeps_other_pairs_and_replaces_an_old_signature() {
    let base = url("http://127.0.0.1:9/packs/a%20b.zip?v=2&expires=1&signature=00#frag");
    let signed = sign(&base, &secret(), NOW + 5);
    assert_eq!(signed.path(), "/packs/a%20b.zip");
    assert_eq!(signed.fragment(), Some("frag"));
    let pairs: Vec<(String, String)> = signed.query_pairs().into_owned().collect();
    assert_eq!(pairs.len(), 3, "{pairs:?}");
    assert_eq!(pairs[0], ("v".into(), "2".into()));
    assert_eq!(pairs[1], ("expires".into(), (NOW + 5).to_string()));
    assert_eq!(
        check("/packs/a%20b.zip", signed.query(), &[]),
        Ok(Credential::Signed)
    );
}

#[test]
fn a_tampered_path_or_expiry_or_another_secret_is_a_bad_signature() {
    let query = signed_query_of("/packs/a.zip", &secret(), NOW + 60);
    assert_eq!(
        check("/packs/b.zip", Some(&query), &[]),
        Err(Denial::BadSignature)
    );
    // Pushing the expiry later (or earlier, even into the past) breaks the signature.
    for expires in [NOW + 3600, NOW - 1] {
        let tampered = query.replace(&(NOW + 60).to_string(), &expires.to_string());
        assert_eq!(
            check("/packs/a.zip", Some(&tampered), &[]),
            Err(Denial::BadSignature),
            "{tampered}"
        );
    }
    // A leading zero is another message: the signed text is the expiry as written.
    let padded = query.replace("expires=", "expires=0");
    assert_eq!(
        check("/packs/a.zip", Some(&padded), &[]),
        Err(Denial::BadSignature)
    );
    let other = Secret::new("another-secret").unwrap();
    let foreign = signed_query_of("/packs/a.zip", &other, NOW + 60);
    assert_eq!(
        check("/packs/a.zip", Some(&foreign), &[]),
        Err(Denial::BadSignature)
    );
    // Upper-case hex is the same signature.
    let upper = query.replace(
        query.split("signature=").nth(1).unwrap(),
        &query.split("signature=").nth(1).unwrap().to_uppercase(),
    );
    assert_eq!(
        check("/packs/a.zip", Some(&upper), &[]),
        Ok(Credential::Signed)
    );
}

#[test]
fn missing_parts_are_named() {
    let query = signed_query_of("/a", &secret(), NOW + 60);
    let (expires, signature) = query.split_once('&').unwrap();
    assert_eq!(check("/a", None, &[]), Err(Denial::NoToken));
    assert_eq!(check("/a", Some(""), &[]), Err(Denial::NoToken));
    assert_eq!(check("/a", Some("v=1&x"), &[]), Err(Denial::NoToken));
    let only_signature = check("/a", Some(signature), &[]).unwrap_err();
    assert_eq!(
        only_signature,
        Denial::BadQuery("the query has a signature but no expires")
    );
    let only_expires = check("/a", Some(expires), &[]).unwrap_err();
    assert_eq!(
        only_expires,
        Denial::BadQuery("the query has expires but no signature")
    );
    assert_eq!(only_expires.name(), "bad-query");
    for empty in ["expires=&signature=", "expires&signature"] {
        assert_eq!(
            check("/a", Some(empty), &[]).unwrap_err().name(),
            "bad-query"
        );
    }
}

#[test]
fn hostile_query_values_are_refused_by_shape() {
    let query = signed_query_of("/a", &secret(), NOW + 60);
    let good_signature = query.split("signature=").nth(1).unwrap().to_string();
    let good_expires = (NOW + 60).to_string();
    let cases = [
        (
            format!("expires={}", "9".repeat(21)),
            good_signature.clone(),
        ),
        (
            "expires=18446744073709551616".into(),
            good_signature.clone(),
        ),
        ("expires=-1".into(), good_signature.clone()),
        ("expires=+1800000060".into(), good_signature.clone()),
        (format!("expires=%20{good_expires}"), good_signature.clone()),
        ("expires=1e10".into(), good_signature.clone()),
        (
            format!("expires={good_expires}"),
            format!("+{}", &good_signature[1..]),
        ),
        (
            format!("expires={good_expires}"),
            good_signature[..63].to_string(),
        ),
        (
            format!("expires={good_expires}"),
            format!("{good_signature}00"),
        ),
        (format!("expires={good_expires}"), "zz".repeat(32)),
        (format!("expires={good_expires}"), "é".repeat(32)),
    ];
    for (expires, signature) in cases {
        let hostile = format!("{expires}&signature={signature}");
        let denial = check("/a", Some(&hostile), &[]).unwrap_err();
        assert_eq!(denial.name(), "bad-query", "{hostile}");
    }
    let repeated = format!("{query}&expires={good_expires}");
    assert_eq!(
        check("/a", Some(&repeated), &[]).unwrap_err().name(),
        "bad-query"
    );
    let overlong = format!("{query}&pad={}", "x".repeat(MAX_QUERY_LEN));
    assert_eq!(
        check("/a", Some(&overlong), &[]),
        Err(Denial::BadQuery("the query is longer than 8192 bytes"))
    );
    // u64::MAX itself is a well-formed expiry (signed, it is simply far away).
    let far = signed_query_of("/a", &secret(), u64::MAX);
    assert_eq!(check("/a", Some(&far), &[]), Ok(Credential::Signed));
}

#[test]
fn bearer_tokens_are_parsed_strictly() {
    assert_eq!(
        check("/a", None, &[b"Bearer s3cret-token"]),
        Ok(Credential::Bearer)
    );
    assert_eq!(
        check("/a", None, &[b"bearer   s3cret-token  "]),
        Ok(Credential::Bearer)
    );
    assert_eq!(
        check("/a", None, &[b"Bearer s3cret-tokeN"]),
        Err(Denial::WrongToken)
    );
    assert_eq!(
        check("/a", None, &[b"Bearer s3cret-token-and-more"]),
        Err(Denial::WrongToken)
    );
    for bad in [
        &b"Basic czNjcmV0LXRva2Vu"[..],
        b"s3cret-token",
        b"Bearer ",
        b"Bearer s3cret token",
        b"Bearer s3cret-token\x00",
        b"Bearer \xffs3cret-token",
    ] {
        let denial = check("/a", None, &[bad]).unwrap_err();
        assert_eq!(denial.name(), "bad-authorization", "{bad:?}");
    }
    let twice: [&[u8]; 2] = [b"Bearer s3cret-token", b"Bearer s3cret-token"];
    assert_eq!(
        check("/a", None, &twice),
        Err(Denial::BadAuthorization(
            "more than one Authorization header"
        ))
    );
}

#[test]
fn either_credential_is_enough_and_the_bearer_reason_comes_first() {
    let query = signed_query_of("/a", &secret(), NOW + 60);
    assert_eq!(
        check("/a", Some(&query), &[b"Bearer wrong"]),
        Ok(Credential::Signed)
    );
    assert_eq!(
        check("/b", Some(&query), &[b"Bearer s3cret-token"]),
        Ok(Credential::Bearer)
    );
    assert_eq!(
        check("/b", Some(&query), &[b"Bearer wrong"]),
        Err(Denial::WrongToken)
    );
    assert!(Denial::WrongToken.presented_credential());
    assert!(!Denial::NoToken.presented_credential());
}

#[test]
fn secrets_are_validated_and_never_shown() {
    assert_eq!(Secret::new(""), Err(SecretError::Empty));
    assert_eq!(
        Secret::new("a b"),
        Err(SecretError::NotVisibleAscii { at: 1 })
    );
    assert_eq!(
        Secret::new("tab\t"),
        Err(SecretError::NotVisibleAscii { at: 3 })
    );
    assert_eq!(
        Secret::new("é"),
        Err(SecretError::NotVisibleAscii { at: 0 })
    );
    let long = "x".repeat(MAX_SECRET_LEN + 1);
    assert_eq!(
        Secret::new(&long),
        Err(SecretError::TooLong {
            len: MAX_SECRET_LEN + 1
        })
    );
    assert!(Secret::new(&long[1..]).is_ok());
    let secret = secret();
    assert!(!format!("{secret:?}").contains("s3cret"));
    assert_eq!(secret.expose(), "s3cret-token");
    for denial in [
        Denial::NoToken,
        Denial::WrongToken,
        Denial::BadSignature,
        Denial::Expired { expires: 1, now: 2 },
    ] {
        assert!(!denial.to_string().contains("s3cret"), "{denial}");
    }
}

#[test]
fn constant_time_eq_is_equality() {
    assert!(constant_time_eq(b"", b""));
    assert!(constant_time_eq(b"abc", b"abc"));
    assert!(!constant_time_eq(b"abc", b"abd"));
    assert!(!constant_time_eq(b"xbc", b"abc"));
    assert!(!constant_time_eq(b"abc", b"abcd"));
    assert!(secret().matches(b"s3cret-token"));
    assert!(!secret().matches(b"s3cret-toke"));
    assert!(!secret().matches(b""));
}

/// The comparison looks at every byte whatever it finds: a difference in the first byte takes
/// as long as one in the last byte and as equality. `==` on slices (memcmp) stops at the first
/// difference, which on 1 MiB makes the first case over a hundred times faster; the fastest of
/// several runs of each is compared, so a busy machine only makes times longer, not shorter.
#[test]
fn constant_time_eq_takes_the_same_time_wherever_the_difference_is() {
    use std::time::{Duration, Instant};
    const LEN: usize = 1 << 20;
    let a = vec![0x5au8; LEN];
    let mut first = a.clone();
    first[0] ^= 1;
    let mut last = a.clone();
    last[LEN - 1] ^= 1;
    let fastest = |b: &[u8]| {
        (0..9)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(constant_time_eq(std::hint::black_box(&a), b));
                start.elapsed()
            })
            .min()
            .unwrap_or(Duration::ZERO)
    };
    let (early, late, equal) = (fastest(&first), fastest(&last), fastest(&a));
    let ratio = early.as_secs_f64() / late.as_secs_f64();
    assert!(
        (0.25..4.0).contains(&ratio),
        "first-byte difference {early:?}, last-byte difference {late:?}"
    );
    let ratio = early.as_secs_f64() / equal.as_secs_f64();
    assert!(
        (0.25..4.0).contains(&ratio),
        "first-byte difference {early:?}, equal {equal:?}"
    );
}
