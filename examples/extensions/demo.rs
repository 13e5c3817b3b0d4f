//! The demo app's downloader extension (`BGAssetsDownloaderExtension` in the demo's
//! Info.plist): a process the manager runs once per event, with one JSON request on stdin and
//! one JSON answer expected on stdout (`docs/extensions.md`). It shows both things an extension
//! is for:
//!
//! - **A content request at install** schedules an app download of its own: the demo's
//!   `config.json`, next to the manifest, which lands in the app's container under
//!   `Background Downloads/config`.
//! - **A veto.** The demo app's machine-learning models (pack ids under `ml/`, the upscaler) are
//!   an optional extra this app does not want fetched for it: the extension answers
//!   `shouldDownload: false` for them, so the window shows that pack "Vetoed by the app", and
//!   lets every other pack go ahead.
//!
//! Every other event is acknowledged with `{}`. Run it by hand:
//! `echo '{"event":"shouldDownload","app":"a","pack":{"id":"ml/x"}}' | cargo run --bin bgassets-demo-extension`

use std::io::{self, Read, Write};

use serde_json::{Value, json};

/// The most bytes of request read: a manifest with thousands of packs fits.
const MAX_REQUEST: u64 = 8 * 1024 * 1024;

fn main() {
    let mut text = String::new();
    if let Err(error) = io::stdin().take(MAX_REQUEST).read_to_string(&mut text) {
        eprintln!("demo extension: cannot read the request: {error}");
        std::process::exit(2);
    }
    let request: Value = match serde_json::from_str(&text) {
        Ok(value) => value,
        Err(error) => {
            eprintln!("demo extension: the request is not JSON: {error}");
            std::process::exit(2);
        }
    };
    let answer = answer(&request);
    let mut out = io::stdout().lock();
    if writeln!(out, "{answer}")
        .and_then(|()| out.flush())
        .is_err()
    {
        std::process::exit(1);
    }
}

/// The answer to one request.
fn answer(request: &Value) -> Value {
    match request["event"].as_str() {
        Some("shouldDownload") => {
            let id = request["pack"]["id"].as_str().unwrap_or_default();
            json!({ "shouldDownload": !id.starts_with("ml/") })
        }
        Some("contentRequest") if request["kind"] == "install" => {
            match config_url(request["manifestUrl"].as_str()) {
                Some(url) => json!({ "downloads": [{ "identifier": "config", "url": url }] }),
                None => json!({ "downloads": [] }),
            }
        }
        Some("contentRequest") => json!({ "downloads": [] }),
        _ => json!({}),
    }
}

/// `config.json` beside the manifest.
fn config_url(manifest: Option<&str>) -> Option<String> {
    let manifest = manifest?;
    let base = &manifest[..=manifest.rfind('/')?];
    Some(format!("{base}config.json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ml_models_are_vetoed_and_other_packs_go_ahead() {
        let ask = |id: &str| answer(&json!({"event": "shouldDownload", "pack": {"id": id}}));
        assert_eq!(ask("ml/upscaler.onnx"), json!({"shouldDownload": false}));
        assert_eq!(ask("Tutorial"), json!({"shouldDownload": true}));
    }

    #[test]
    fn the_install_asks_for_the_config_beside_the_manifest() {
        let request = json!({"event": "contentRequest", "kind": "install",
            "manifestUrl": "http://127.0.0.1:8420/manifest.json"});
        assert_eq!(
            answer(&request)["downloads"][0]["url"],
            "http://127.0.0.1:8420/config.json"
        );
        let periodic = json!({"event": "contentRequest", "kind": "periodic"});
        assert_eq!(answer(&periodic), json!({"downloads": []}));
    }
}
