//! The bottom panel: the manager's recent events, newest first, with a filter (app, pack or
//! what happened) and "Copy as JSON" for the events shown. Progress is folded: each pack shows
//! its latest progress on one line, and every state change is kept.

use egui::{RichText, ScrollArea, TextStyle, Ui};

use crate::gui::panels::inspector::error_text;
use crate::gui::state::UiState;
use crate::gui::{clock, format};
use crate::manager::event::{ManagerEvent, ManagerEventKind};
use crate::model::StatusUpdate;

/// Shows `events` (oldest first, as the backend keeps them).
pub fn show(ui: &mut Ui, events: &[ManagerEvent], state: &mut UiState) {
    let needle = state.event_filter.trim().to_lowercase();
    let shown: Vec<(&ManagerEvent, String)> = fold(events)
        .into_iter()
        .map(|event| (event, line(event)))
        .filter(|(_, text)| needle.is_empty() || text.to_lowercase().contains(&needle))
        .collect();
    ui.horizontal(|ui| {
        ui.strong("Event log");
        let filter = ui.add(
            egui::TextEdit::singleline(&mut state.event_filter)
                .hint_text("Filter events")
                .desired_width(200.0),
        );
        super::toolbar::name_for_screen_readers(ui, filter.id, "Filter events");
        ui.weak(format!("{} of {} events", shown.len(), events.len()));
        if ui.button("📋 Copy as JSON").clicked() {
            let chosen: Vec<&ManagerEvent> = shown.iter().map(|(event, _)| *event).collect();
            if let Ok(json) = serde_json::to_string_pretty(&chosen) {
                ui.ctx().copy_text(json);
            }
        }
    });
    ui.separator();
    if shown.is_empty() {
        ui.weak("No events yet.");
        return;
    }
    let height = ui.text_style_height(&TextStyle::Monospace);
    ScrollArea::vertical()
        .auto_shrink(false)
        .id_salt("events")
        .show_rows(ui, height, shown.len(), |ui, range| {
            for (_, text) in &shown[range] {
                ui.label(RichText::new(text).monospace());
            }
        });
}

/// The events to show, newest first: every state change, and for each pack only its latest
/// progress (one line per pack that moves, not one per tick).
pub fn fold(events: &[ManagerEvent]) -> Vec<&ManagerEvent> {
    let mut seen = std::collections::HashSet::new();
    events
        .iter()
        .rev()
        .filter(|event| !is_progress(event) || seen.insert((&event.app, &event.pack)))
        .collect()
}

/// Whether `event` reports bytes arriving.
pub fn is_progress(event: &ManagerEvent) -> bool {
    matches!(
        event.kind,
        ManagerEventKind::Status {
            update: StatusUpdate::Downloading { .. }
        }
    )
}

/// `"12:00:01.500 CET  org.example.game/voices  began"`.
pub fn line(event: &ManagerEvent) -> String {
    let subject = match &event.pack {
        Some(pack) => format!("{}/{pack}", event.app),
        None => event.app.clone(),
    };
    format!(
        "{}  {subject}  {}",
        clock::local_time(event.at_ms),
        describe(&event.kind)
    )
}

/// What happened, in a few words.
pub fn describe(kind: &ManagerEventKind) -> String {
    match kind {
        ManagerEventKind::Registered => "registered".into(),
        ManagerEventKind::Unregistered => "unregistered".into(),
        ManagerEventKind::ManifestFetched { changed, .. } => if *changed {
            "manifest fetched (changed)"
        } else {
            "manifest fetched (unchanged)"
        }
        .into(),
        ManagerEventKind::ManifestFailed { error } => {
            format!("manifest failed: {}", error_text(error))
        }
        ManagerEventKind::Status { update } => match update {
            StatusUpdate::Began => "began".into(),
            StatusUpdate::Paused => "paused".into(),
            StatusUpdate::Downloading { progress } => format!(
                "downloading {} / {}",
                format::bytes(progress.bytes_done),
                format::bytes(progress.bytes_total)
            ),
            StatusUpdate::Finished => "finished".into(),
            StatusUpdate::Failed { error } => format!("failed: {}", error_text(error)),
        },
        ManagerEventKind::Queued => "queued".into(),
        ManagerEventKind::Installing => "installing".into(),
        ManagerEventKind::Installed { version } => format!("installed v{version}"),
        ManagerEventKind::InstallCancelled => "install cancelled".into(),
        ManagerEventKind::Delta { detail, .. } => format!("delta update: {detail}"),
        ManagerEventKind::ExtensionFailed { message, .. } => format!("extension failed: {message}"),
        ManagerEventKind::Removed => "removed".into(),
        ManagerEventKind::UpdateAvailable {
            installed,
            available,
        } => format!("update available: v{installed} to v{available}"),
        ManagerEventKind::Obsolete => "obsolete".into(),
        ManagerEventKind::LaunchReady => "launch ready".into(),
        ManagerEventKind::Changed => "changed".into(),
        ManagerEventKind::DownloadStatus {
            identifier,
            state,
            error,
            ..
        } => match error {
            Some(error) => format!("download {identifier} {state}: {}", error_text(error)),
            None => format!("download {identifier} {state}"),
        },
    }
}
