//! Under the selected app's header: its downloader extension (and the last call of it that gave
//! no answer, with why) and the app's own downloads (`BADownloadManager`), each with its state,
//! progress, why it waits, where its file is or why it failed, and Cancel while it can be.
//! Nothing shows for an app with neither.

use egui::{CollapsingHeader, ProgressBar, RichText, Ui};

use crate::gui::backend::Backend;
use crate::gui::{format, theme};
use crate::manager::api::Request;
use crate::manager::downloads::AppDownloadView;
use crate::manager::view::AppView;

/// Shows the app's extension and own downloads, when it has any.
pub fn show(ui: &mut Ui, app: &AppView, backend: &dyn Backend) {
    if let Some(extension) = &app.extension {
        ui.horizontal_wrapped(|ui| {
            ui.weak("Downloader extension:");
            ui.monospace(extension);
        });
    }
    if let Some(error) = &app.extension_error {
        let text = format!(
            "⚠ Its extension gave no answer to {} ({}): {}",
            error.event, error.kind, error.message
        );
        ui.label(RichText::new(text).color(theme::ERROR));
    }
    if app.downloads.is_empty() {
        return;
    }
    let title = format!("The app's own downloads ({})", app.downloads.len());
    CollapsingHeader::new(title)
        .id_salt(("app-downloads", &app.bundle_id))
        .default_open(true)
        .show(ui, |ui| {
            for download in &app.downloads {
                row(ui, download, backend);
            }
        });
    ui.separator();
}

fn row(ui: &mut Ui, download: &AppDownloadView, backend: &dyn Backend) {
    ui.horizontal_wrapped(|ui| {
        ui.strong(&download.identifier);
        ui.label(state_label(download));
        if download.essential {
            ui.weak("essential");
        }
        if let Some(progress) = download
            .progress
            .filter(|_| download.state == "downloading")
        {
            let bar = ProgressBar::new(progress.fraction())
                .desired_width(120.0)
                .text(format::transfer(progress.bytes_done, progress.bytes_total));
            ui.add(bar);
        }
        ui.weak(facts(download));
        let over = matches!(download.state.as_str(), "finished" | "failed");
        if !over && ui.small_button("Cancel").clicked() {
            backend.send(Request::CancelDownload {
                app: download.app.clone(),
                identifier: download.identifier.clone(),
                lease: None,
            });
        }
    });
}

/// The state as a person reads it.
pub fn state_label(download: &AppDownloadView) -> String {
    match download.state.as_str() {
        "waiting" if download.paused => "Paused".into(),
        "waiting" => "Waiting".into(),
        "downloading" => "Downloading".into(),
        "finished" => "Finished".into(),
        "failed" => "Failed".into(),
        other => other.to_string(),
    }
}

/// Why it waits, where its file is, or why it failed, and who asked for it.
pub fn facts(download: &AppDownloadView) -> String {
    let by = match serde_json::to_value(download.scheduled_by) {
        Ok(value) if value["by"] == "extension" => {
            format!(
                "asked by its extension ({})",
                value["content"].as_str().unwrap_or("?")
            )
        }
        _ => "asked by the app".to_string(),
    };
    let what = match (&download.error, &download.path, &download.detail) {
        (Some(error), _, _) => error.explain(),
        (_, Some(path), _) => format!("at {}", path.display()),
        (_, _, Some(why)) => why.clone(),
        _ => String::new(),
    };
    [what, by]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(state: &str, extra: serde_json::Value) -> AppDownloadView {
        let mut value = serde_json::json!({
            "app": "a", "identifier": "config", "url": "https://h/c", "essential": false,
            "priority": 0, "foreground": false, "vetoable": false,
            "scheduledBy": {"by": "extension", "content": "install"},
            "scheduledAtMs": 1, "state": state,
        });
        for (k, v) in extra.as_object().unwrap() {
            value[k] = v.clone();
        }
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_row_says_where_the_file_is_why_it_waits_or_failed_and_who_asked() {
        let done = view(
            "finished",
            serde_json::json!({"path": "/c/Background Downloads/config"}),
        );
        assert_eq!(
            facts(&done),
            "at /c/Background Downloads/config · asked by its extension (install)"
        );
        let waiting = view(
            "waiting",
            serde_json::json!({"detail": "waiting for a download slot", "paused": true}),
        );
        assert_eq!(state_label(&waiting), "Paused");
        assert!(facts(&waiting).starts_with("waiting for a download slot"));
        let failed = view(
            "failed",
            serde_json::json!({"error": {"kind": "httpStatus", "message": "403"}}),
        );
        assert!(facts(&failed).starts_with("httpStatus — 403"));
    }
}
