//! The window's lifecycle with kittest: what closing does with and without a tray (hide and
//! say so the first time; ask while downloading, Cancel keeps the window, Quit closes it) and
//! `ShowPack` from another thread showing the window on that pack; a hidden window whose tray
//! host went away shows itself; Ctrl+Q quits.

use std::sync::Arc;

use bgassets::gui::closing::Resident;
use bgassets::gui::fixture::{self, FixtureBackend};
use bgassets::gui::{Resources, WindowCommand, WindowCommands, WindowEvent};
use egui::{ViewportCommand, ViewportEvent, ViewportId};
use egui_kittest::kittest::Queryable;

use crate::support::window::{Window, resident_window as window};

fn downloading_window(resident: Arc<Resident>) -> (Window, std::sync::mpsc::Receiver<WindowEvent>) {
    let backend = Arc::new(FixtureBackend::new(Some(fixture::every_state())));
    let (events, heard) = std::sync::mpsc::channel();
    let resources = Resources {
        commands: WindowCommands::new(),
        resident,
        events: Some(events),
        ..Resources::default()
    };
    (window(backend, resources), heard)
}

/// Asks the window to close, as the window manager does, and returns the commands of that
/// frame.
fn close(harness: &mut Window) -> Vec<ViewportCommand> {
    harness
        .input_mut()
        .viewports
        .entry(ViewportId::ROOT)
        .or_default()
        .events
        .push(ViewportEvent::Close);
    harness.step();
    let commands = harness.output().viewport_output[&ViewportId::ROOT]
        .commands
        .clone();
    harness.run_ok();
    commands
}

#[test]
fn closing_while_downloading_without_a_tray_asks_and_cancel_keeps_the_window() {
    let (mut harness, _) = downloading_window(Arc::new(Resident::default()));
    let commands = close(&mut harness);
    assert!(
        commands.contains(&ViewportCommand::CancelClose),
        "{commands:?}"
    );
    harness.get_by_label("Quit bgassets?");
    harness.get_by_label("Cancel").click();
    harness.run_ok();
    assert!(harness.query_by_label("Quit bgassets?").is_none());

    let commands = close(&mut harness);
    assert!(
        commands.contains(&ViewportCommand::CancelClose),
        "asked again"
    );
    harness.get_by_label("Quit and stop downloads").click();
    harness.step();
    let commands = harness.output().viewport_output[&ViewportId::ROOT]
        .commands
        .clone();
    assert!(commands.contains(&ViewportCommand::Close), "{commands:?}");
    let commands = close(&mut harness);
    assert!(
        !commands.contains(&ViewportCommand::CancelClose),
        "once answered, the close goes through: {commands:?}"
    );
}

#[test]
fn closing_with_a_tray_hides_the_window_and_says_so_the_first_time_only() {
    let resident = Arc::new(Resident::default());
    resident.set_tray_present(true);
    let (mut harness, heard) = downloading_window(resident);
    let commands = close(&mut harness);
    assert!(
        commands.contains(&ViewportCommand::CancelClose),
        "{commands:?}"
    );
    assert!(
        commands.contains(&ViewportCommand::Visible(false)),
        "{commands:?}"
    );
    assert!(
        harness.query_by_label("Quit bgassets?").is_none(),
        "no question"
    );
    assert_eq!(
        heard.try_recv(),
        Ok(WindowEvent::HiddenToTray { first: true })
    );
    close(&mut harness);
    assert_eq!(
        heard.try_recv(),
        Ok(WindowEvent::HiddenToTray { first: false })
    );
}

#[test]
fn show_pack_shows_the_window_with_the_pack_selected() {
    let resident = Arc::new(Resident::default());
    let commands = WindowCommands::new();
    let backend = Arc::new(FixtureBackend::new(Some(fixture::every_state())));
    let resources = Resources {
        commands: commands.clone(),
        resident,
        events: None,
        ..Resources::default()
    };
    let mut harness = window(backend, resources);
    let pack = fixture::every_state().apps[0].packs[2].clone();
    commands.send(WindowCommand::ShowPack {
        app: pack.app.clone(),
        pack: pack.id.clone(),
    });
    harness.step();
    let shown = harness.output().viewport_output[&ViewportId::ROOT]
        .commands
        .clone();
    assert!(shown.contains(&ViewportCommand::Visible(true)), "{shown:?}");
    assert!(shown.contains(&ViewportCommand::Focus), "{shown:?}");
    harness.run_ok();
    let app = harness.state().as_ref().unwrap();
    assert!(app.state().is_selected(&pack.app, &pack.id));
}

#[test]
fn a_hidden_window_shows_itself_when_the_tray_host_goes_away() {
    let resident = Arc::new(Resident::default());
    resident.set_tray_present(true);
    let (mut harness, _) = downloading_window(resident.clone());
    let commands = close(&mut harness);
    assert!(
        commands.contains(&ViewportCommand::Visible(false)),
        "{commands:?}"
    );
    assert!(harness.state().as_ref().unwrap().lifecycle().is_hidden());
    resident.set_tray_present(false);
    harness.step();
    let commands = harness.output().viewport_output[&ViewportId::ROOT]
        .commands
        .clone();
    assert!(
        commands.contains(&ViewportCommand::Visible(true)),
        "{commands:?}"
    );
    assert!(!harness.state().as_ref().unwrap().lifecycle().is_hidden());
}

#[test]
fn ctrl_q_quits_even_when_closing_would_hide() {
    let resident = Arc::new(Resident::default());
    resident.set_tray_present(true);
    let (mut harness, heard) = downloading_window(resident);
    let app = |harness: &Window| harness.state().as_ref().unwrap().lifecycle().is_quitting();
    assert!(!app(&harness));
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Q);
    harness.run_ok();
    assert!(app(&harness), "Ctrl+Q asked the window to close");
    let commands = close(&mut harness);
    assert!(
        !commands.contains(&ViewportCommand::CancelClose),
        "the close goes through: {commands:?}"
    );
    assert!(heard.try_recv().is_err(), "not hidden to the tray");
}
