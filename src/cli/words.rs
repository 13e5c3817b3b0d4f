//! How the command line says where a pack stands, in a few words (`installed`, `queued`,
//! `failed: diskFull`…): one wording for `ctl status` and `sync`, never a Rust debug structure.

use crate::ipc::protocol::kind_name;
use crate::manager::view::PackView;
use crate::model::Activity;

/// What a pack is doing, or else where it stands, in a few words.
pub fn pack_state(pack: &PackView) -> String {
    let flags = pack.flags;
    match &pack.activity {
        Activity::Idle if flags.obsolete => "obsolete".into(),
        Activity::Idle if flags.out_of_date => "update available".into(),
        Activity::Idle if flags.downloaded => "installed".into(),
        Activity::Idle if flags.download_available => "available".into(),
        Activity::Idle => "-".into(),
        Activity::Queued => "queued".into(),
        Activity::Connecting => "connecting".into(),
        Activity::Downloading { .. } => "downloading".into(),
        Activity::Paused { .. } => "paused".into(),
        Activity::Retrying { attempt, .. } => format!("retrying (attempt {attempt})"),
        Activity::Verifying => "verifying".into(),
        Activity::Installing => "installing".into(),
        Activity::Failed { error } => format!("failed: {}", kind_name(error.kind)),
        Activity::Vetoed { .. } => "vetoed by the app's extension".into(),
    }
}
