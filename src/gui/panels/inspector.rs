//! The right panel, for QA: everything the manager knows about the selected pack: its state and
//! derived status flags, versions, bytes, URL, ETag, partial file, attempts, the last error with
//! its kind, and the timeline of its transitions with local times and their zone (interruptions
//! and resumes included); a paused or queued pack shows no speed; another pack starts scrolled
//! to the top; "Copy as JSON" puts the pack's whole view on the clipboard.

use egui::{Grid, RichText, ScrollArea, Ui};

use crate::gui::view::{self, PackState};
use crate::gui::widgets::{Badge, ProgressRing};
use crate::gui::{clock, format, theme};
use crate::manager::view::PackView;
use crate::model::{Activity, PackError, StatusFlags};

/// Shows `pack`, or a hint when none is selected.
pub fn show(ui: &mut Ui, pack: Option<&PackView>) {
    ui.add_space(4.0);
    ui.heading("Inspector");
    ui.separator();
    let Some(pack) = pack else {
        ui.weak("Select a pack to see everything about it.");
        return;
    };
    let state = PackState::of(pack);
    ui.horizontal(|ui| {
        ui.add(ProgressRing::new(state, pack.kind).diameter(32.0));
        ui.vertical(|ui| {
            ui.strong(&pack.name);
            ui.weak(&pack.id);
        });
    });
    if ui.button("📋 Copy as JSON").clicked()
        && let Ok(json) = serde_json::to_string_pretty(pack)
    {
        ui.ctx().copy_text(json);
    }
    // Another pack starts at the top, not at the previous one's scroll position.
    let shown = egui::Id::unique("inspector-shown");
    let this = (pack.app.clone(), pack.id.clone());
    let previous = ui.data_mut(|d| {
        let previous = d.get_temp::<(String, String)>(shown);
        d.insert_temp(shown, this.clone());
        previous
    });
    let mut area = ScrollArea::vertical()
        .auto_shrink(false)
        .id_salt("inspector");
    if previous.is_some_and(|p| p != this) {
        area = area.vertical_scroll_offset(0.0);
    }
    area.show(ui, |ui| {
        facts(ui, pack, state);
        ui.add_space(6.0);
        ui.strong("Timeline");
        timeline(ui, pack);
    });
}

fn facts(ui: &mut Ui, pack: &PackView, state: PackState) {
    Grid::new("inspector-facts")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            let row = |ui: &mut Ui, key: &str, value: String| {
                ui.weak(key);
                ui.add(egui::Label::new(value).wrap());
                ui.end_row();
            };
            row(ui, "State", activity_detail(&pack.activity, state));
            if !pack.reason.is_empty() {
                row(ui, "Why", pack.reason.clone());
            }
            ui.weak("Flags");
            ui.horizontal_wrapped(|ui| flags(ui, pack.flags));
            ui.end_row();
            row(ui, "Kind", pack.kind.name().into());
            row(ui, "Policy", view::policy_label(pack.policy).into());
            row(
                ui,
                "Versions",
                format::versions(pack.installed_version, pack.listed_version),
            );
            row(ui, "Order", pack.order.to_string());
            row(ui, "Wanted", yes_no(pack.wanted));
            row(ui, "Paused by you", yes_no(pack.paused));
            let progress = pack.progress;
            row(
                ui,
                "Progress",
                format!("{} of {} bytes", progress.bytes_done, progress.bytes_total),
            );
            // Only a pack moving bytes now has a speed: a paused or queued one shows none.
            let moving = matches!(pack.activity, Activity::Downloading { .. });
            let speed = format::rate(progress.bytes_per_second).filter(|_| moving);
            row(ui, "Speed", speed.unwrap_or_else(|| "—".into()));
            let eta = pack.eta_seconds.filter(|_| moving).map(format::eta);
            row(ui, "ETA", eta.unwrap_or_else(|| "—".into()));
            row(ui, "Download size", format::bytes(pack.download_size));
            row(ui, "Install size", format::bytes(pack.install_size));
            row(ui, "Installed", format::bytes(pack.installed_bytes));
            row(ui, "URL", pack.url.clone().unwrap_or_else(|| "—".into()));
            row(ui, "ETag", pack.etag.clone().unwrap_or_else(|| "—".into()));
            let partial = pack.partial_path.as_ref().map_or_else(
                || "none".into(),
                |path| format!("{} ({} bytes)", path.display(), pack.partial_bytes),
            );
            row(ui, "Partial file", partial);
            let path = pack
                .path
                .as_ref()
                .map_or_else(|| "—".into(), |p| p.display().to_string());
            row(ui, "Files", path);
            row(ui, "Attempts", pack.attempts.to_string());
            row(
                ui,
                "Last error",
                pack.last_error
                    .as_ref()
                    .map_or_else(|| "none".into(), error_text),
            );
            if !pack.languages.is_empty() {
                let chosen = if pack.chosen_variant { " (chosen)" } else { "" };
                row(
                    ui,
                    "Languages",
                    format!("{}{chosen}", pack.languages.join(", ")),
                );
            }
        });
}

/// The state with what the activity carries: retry attempt and reason, failure.
fn activity_detail(activity: &Activity, state: PackState) -> String {
    match activity {
        Activity::Retrying {
            attempt,
            reason,
            delay_ms,
            ..
        } => format!(
            "Retrying: attempt {attempt} in {:.1} s after {}",
            *delay_ms as f64 / 1000.0,
            error_text(reason)
        ),
        Activity::Failed { error } => format!("Failed: {}", error_text(error)),
        _ => state.label(),
    }
}

/// `"checksumMismatch: sha256 differs"`.
pub fn error_text(error: &PackError) -> String {
    let kind = serde_json::to_value(error.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{:?}", error.kind));
    format!("{kind}: {}", error.message)
}

fn flags(ui: &mut Ui, flags: StatusFlags) {
    let all = [
        ("downloadAvailable", flags.download_available),
        ("updateAvailable", flags.update_available),
        ("upToDate", flags.up_to_date),
        ("outOfDate", flags.out_of_date),
        ("obsolete", flags.obsolete),
        ("downloading", flags.downloading),
        ("downloaded", flags.downloaded),
    ];
    let mut any = false;
    for (name, on) in all {
        if on {
            ui.add(Badge::new(
                name,
                theme::policy_color(crate::model::DownloadPolicy::OnDemand),
            ));
            any = true;
        }
    }
    if !any {
        ui.weak("none");
    }
}

fn timeline(ui: &mut Ui, pack: &PackView) {
    if pack.timeline.is_empty() {
        ui.weak("Nothing has happened to this pack yet.");
        return;
    }
    for entry in pack.timeline.iter().rev() {
        ui.horizontal_wrapped(|ui| {
            ui.monospace(clock::local_time(entry.at_ms));
            ui.label(RichText::new(&entry.what).strong());
            ui.label(&entry.detail);
        });
    }
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.into()
}
