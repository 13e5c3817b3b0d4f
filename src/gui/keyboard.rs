//! Keyboard shortcuts: Space pauses or resumes the selected pack (retries a failed one),
//! Delete asks to remove it, Ctrl+F (⌘F) focuses the filter, Up / Down / Page Up / Page Down /
//! Home / End move the selection (the list scrolls to keep it in view).
//! Keys are consumed before the panels are drawn, so a focused button never also takes Space;
//! while a text box has focus only Ctrl+F is taken.

use egui::{Context, Key, Modifiers};

use super::backend::Backend;
use super::list::PackList;
use super::state::{PendingRemoval, UiState};
use super::view;
use crate::manager::api::PackRef;
use crate::manager::view::StatusDocument;

/// Applies this frame's shortcuts.
pub fn handle(
    ctx: &Context,
    document: &StatusDocument,
    list: &PackList,
    backend: &dyn Backend,
    state: &mut UiState,
) {
    if state.removal.is_some() {
        return;
    }
    if ctx.input_mut(|i| i.consume_key(Modifiers::COMMAND, Key::F)) {
        state.focus_filter = true;
    }
    if ctx.egui_wants_keyboard_input() {
        return;
    }
    let pressed = |key| ctx.input_mut(|i| i.consume_key(Modifiers::NONE, key));
    let selected = state
        .remembered
        .pack
        .as_ref()
        .and_then(|p| document.pack(&p.app, &p.pack));
    if pressed(Key::Space)
        && let Some(request) = selected.and_then(view::toggle_request)
    {
        backend.send(request);
    }
    if pressed(Key::Delete)
        && let Some(pack) = selected.filter(|p| view::can_remove(p))
    {
        state.removal = Some(PendingRemoval {
            pack: PackRef::new(&pack.app, &pack.id),
            name: pack.name.clone(),
            bytes: view::space_freed(pack),
        });
    }
    let page = state.visible_rows.len().saturating_sub(2).max(1) as isize;
    let step = if pressed(Key::ArrowDown) {
        1
    } else if pressed(Key::ArrowUp) {
        -1
    } else if pressed(Key::PageDown) {
        page
    } else if pressed(Key::PageUp) {
        -page
    } else if pressed(Key::End) {
        isize::MAX
    } else if pressed(Key::Home) {
        isize::MIN
    } else {
        return;
    };
    if list.rows.is_empty() {
        return;
    }
    let current = selected.and_then(|p| list.row_of(document, &p.id));
    let next = match current {
        Some(row) => row.saturating_add_signed(step).min(list.rows.len() - 1),
        None if step == isize::MAX => list.rows.len() - 1,
        None => 0,
    };
    if let Some(pack) = list.pack(document, next) {
        state.select(&pack.app, &pack.id);
        state.scroll_to = Some(next);
    }
}
