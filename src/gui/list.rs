//! The rows the pack list shows: the selected app's packs that match the filter, in download
//! order. Recomputed only when the document, the app or the filter changes, so a frame with
//! 10,000 packs costs the visible rows, not the whole list.

use std::sync::Arc;

use super::view;
use crate::manager::view::{AppView, PackView, StatusDocument};

/// The visible rows of the selected app, cached.
#[derive(Default)]
pub struct PackList {
    source: Option<Arc<StatusDocument>>,
    app: String,
    needle: String,
    /// The app's index in the document.
    pub app_index: Option<usize>,
    /// Indices into the app's packs, in download order.
    pub rows: Vec<usize>,
}

impl PackList {
    /// Brings the rows up to date with `document`, the app `app` and the lower-case `needle`.
    pub fn refresh(&mut self, document: &Arc<StatusDocument>, app: &str, needle: &str) {
        let same_source = self
            .source
            .as_ref()
            .is_some_and(|s| Arc::ptr_eq(s, document));
        if same_source && self.app == app && self.needle == needle {
            return;
        }
        self.source = Some(document.clone());
        self.app = app.to_owned();
        self.needle = needle.to_owned();
        self.app_index = document.apps.iter().position(|a| a.bundle_id == app);
        self.rows.clear();
        let Some(app) = self.app_index.map(|i| &document.apps[i]) else {
            return;
        };
        self.rows.extend(
            app.packs
                .iter()
                .enumerate()
                .filter(|(_, pack)| view::matches_filter(pack, needle))
                .map(|(i, _)| i),
        );
        self.rows.sort_by_key(|&i| app.packs[i].order);
    }

    /// The selected app in `document`.
    pub fn app<'a>(&self, document: &'a StatusDocument) -> Option<&'a AppView> {
        self.app_index.and_then(|i| document.apps.get(i))
    }

    /// The pack in row `row`.
    pub fn pack<'a>(&self, document: &'a StatusDocument, row: usize) -> Option<&'a PackView> {
        let app = self.app(document)?;
        app.packs.get(*self.rows.get(row)?).map(Arc::as_ref)
    }

    /// The row showing pack `id`, if it is shown.
    pub fn row_of(&self, document: &StatusDocument, id: &str) -> Option<usize> {
        let app = self.app(document)?;
        self.rows.iter().position(|&i| app.packs[i].id == id)
    }

    /// The moves that change `pack`'s place in its app's download order (its neighbours
    /// there, not in the filtered rows).
    pub fn place(&self, pack: &PackView) -> view::Moves {
        let packs = self
            .source
            .as_ref()
            .zip(self.app_index)
            .and_then(|(document, i)| document.apps.get(i))
            .map(|app| app.packs.as_slice())
            .unwrap_or_default();
        let at = |order: Option<usize>| {
            order
                .and_then(|o| packs.iter().find(|p| p.order == o && p.id != pack.id))
                .map(Arc::as_ref)
        };
        view::moves(
            pack,
            at(pack.order.checked_sub(1)),
            at(pack.order.checked_add(1)),
        )
    }
}
