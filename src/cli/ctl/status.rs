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
