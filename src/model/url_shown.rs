//! URLs as people and logs see them: a query (a signed URL's `signature`, a presigned
//! `X-Amz-Credential`…) and a user name or password are credentials, so they show as `?…` and
//! not at all. Everything the manager shows or writes in a message uses [`shown_url`].

use url::Url;

/// `url` without its credentials: scheme, host, port and path; a query as `?…`; no user info
/// and no fragment.
pub fn shown_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_fragment(None);
    let query = shown.query().is_some_and(|q| !q.is_empty());
    shown.set_query(None);
    let mut text = shown.to_string();
    if query {
        text.push_str("?…");
    }
    text
}

/// [`shown_url`] of `text` when it is a URL; else `text` with any query cut the same way.
pub fn shown_url_text(text: &str) -> String {
    match Url::parse(text) {
        Ok(url) => shown_url(&url),
        Err(_) => match text.split_once('?') {
            Some((head, _)) => format!("{head}?…"),
            None => text.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_show() {
        let signed =
            Url::parse("https://u:p@cdn.example.com:8443/a/b.zip?expires=1&signature=5ec7#f")
                .unwrap();
        assert_eq!(shown_url(&signed), "https://cdn.example.com:8443/a/b.zip?…");
        let plain = Url::parse("http://127.0.0.1:9/p.zip").unwrap();
        assert_eq!(shown_url(&plain), "http://127.0.0.1:9/p.zip");
        assert_eq!(shown_url_text("not a url?x=1"), "not a url?…");
    }
}
