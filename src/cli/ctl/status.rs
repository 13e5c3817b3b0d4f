//! `bgassets ctl status`: the status document as a table for people, one row a pack.

use crate::manager::view::{PackView, StatusDocument};
use crate::model::size::format_bytes;

use crate::ipc::protocol::kind_name;

const HEADER: [&str; 7] = [
    "APP", "PACK", "STATE", "PROGRESS", "VERSION", "POLICY", "WHY",
];

/// The whole table, with a line on limits and languages, ending in a newline.
pub fn table(document: &StatusDocument) -> String {
    if document.apps.is_empty() {
        return "no apps registered: `bgassets ctl register PATH` adds one\n".into();
    }
    let mut rows: Vec<[String; 7]> = vec![HEADER.map(String::from)];
    for app in &document.apps {
        if app.packs.is_empty() {
            let note = match &app.manifest_error {
                Some(error) => format!("manifest failed: {}", kind_name(error.kind)),
                None => "no packs".into(),
            };
            rows.push([
                app.bundle_id.clone(),
                "-".into(),
                note,
                "-".into(),
                "-".into(),
                "-".into(),
                app.launch_reason.clone(),
            ]);
        }
        for pack in &app.packs {
            rows.push([
                app.bundle_id.clone(),
                pack.id.clone(),
                crate::cli::words::pack_state(pack),
                progress(pack),
                version(pack),
                pack.policy.name().to_string(),
                pack.reason.clone(),
            ]);
        }
        for download in &app.downloads {
            let progress = download
                .progress
                .map_or("-".into(), |p| match p.bytes_total {
                    0 => format_bytes(p.bytes_done),
                    total => format!("{}/{}", format_bytes(p.bytes_done), format_bytes(total)),
                });
            let why = match (&download.error, &download.path, &download.detail) {
                (Some(error), _, _) => error.explain(),
                (_, Some(path), _) => format!("at {}", path.display()),
                (_, _, Some(why)) => why.clone(),
                _ => String::new(),
            };
            rows.push([
                app.bundle_id.clone(),
                format!("download:{}", download.identifier),
                download.state.clone(),
                progress,
                "-".into(),
                if download.essential { "essential" } else { "-" }.into(),
                why,
            ]);
        }
    }
    let mut widths = [0; 7];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                line.extend(std::iter::repeat_n(' ', width - cell.chars().count() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    for app in &document.apps {
        if let Some(error) = &app.extension_error {
            out.push_str(&format!(
                "\n{}: its downloader extension gave no answer to {} ({}): {}\n",
                app.bundle_id, error.event, error.kind, error.message
            ));
        }
    }
    let limits = &document.limits;
    out.push_str(&format!(
        "\nlimits: {} at once, {} per host, {}; languages: {}\n",
        limits.max_concurrent,
        limits.max_per_host,
        limits
            .bytes_per_second
            .map_or("no rate limit".into(), |r| format!("{}/s", format_bytes(r))),
        if document.languages.is_empty() {
            "-".into()
        } else {
            document.languages.join(", ")
        },
    ));
    out
}

fn progress(pack: &PackView) -> String {
    match pack.activity.progress() {
        Some(p) if p.bytes_total > 0 => format!(
            "{:.0}% of {}",
            p.fraction() * 100.0,
            format_bytes(p.bytes_total)
        ),
        Some(p) => format_bytes(p.bytes_done),
        None if pack.flags.downloaded => format_bytes(pack.installed_bytes),
        None => "-".into(),
    }
}

fn version(pack: &PackView) -> String {
    match (pack.installed_version, pack.listed_version) {
        (Some(i), Some(l)) if l > i => format!("{i} → {l}"),
        (Some(i), _) => i.to_string(),
        (None, Some(l)) => format!("→ {l}"),
        (None, None) => "-".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gui::fixture::{app, document};
    use crate::manager::state::ExtensionFailure;

    #[test]
    fn an_app_s_downloads_and_its_extension_s_failure_have_lines_of_their_own() {
        let mut game = app("org.example.game", "Game", vec![]);
        game.downloads = vec![
            serde_json::from_value(serde_json::json!({
                "app": "org.example.game", "identifier": "config",
                "url": "https://cdn.example.com/config.json", "essential": true,
                "priority": 0, "foreground": false, "vetoable": false, "scheduledBy": {"by": "extension", "content": "install"},
                "scheduledAtMs": 1, "state": "failed",
                "error": {"kind": "httpStatus", "message": "the server answered 403 Forbidden", "httpStatus": 403},
            }))
            .unwrap(),
        ];
        game.extension_error = Some(ExtensionFailure {
            extension: "Extensions/ext.sh".into(),
            event: "contentRequest".into(),
            kind: "hung".into(),
            message: "extension `Extensions/ext.sh` of org.example.game: hung: no answer in 10 s"
                .into(),
            at_ms: 1,
        });
        let text = table(&document(vec![game]));
        let line = text
            .lines()
            .find(|l| l.contains("download:config"))
            .unwrap();
        assert!(
            line.contains("failed") && line.contains("essential"),
            "{line}"
        );
        assert!(
            line.contains("httpStatus — the server answered 403"),
            "{line}"
        );
        assert!(
            text.contains(
                "org.example.game: its downloader extension gave no answer to contentRequest (hung)"
            ),
            "{text}"
        );
    }
}
