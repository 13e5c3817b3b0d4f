//! What a sequence is made of: the verbs a person or an app sends the manager, changes to the
//! served manifest, server faults, restarts and waits, and the proptest strategy that draws
//! (and shrinks) sequences of them.

use proptest::prelude::*;

use super::world::PACKS;

/// Which packs a pause or resume selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sel {
    Pack(usize),
    App,
    All,
}

/// Where `prioritize` moves a pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum To {
    Top,
    Up,
    Down,
}

/// A fault the server injects from now on (until the next `Fault`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// No fault, at 1 MB/s (a download lasts a few steps).
    None,
    /// 200 KB/s for the whole server: downloads last long enough to pause.
    Slow,
    /// Every file request answered 503.
    Fail,
    /// A byte flipped in every response: checksums fail.
    Corrupt,
    /// Connections dropped after 6 KiB of body: downloads resume with `Range`.
    Drop,
    /// Bodies stall after 12 KiB: the stall timeout fires.
    Stall,
}

/// One step of a sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Registers the app's current Info.plist (again).
    Register,
    /// A new `CFBundleVersion` of the app, registered: a subsequent update.
    UpdateApp,
    Ensure(usize),
    /// `ensure` with `requireLatest`: the manifest is read again first.
    EnsureLatest(usize),
    Pause(Sel),
    Resume(Sel),
    Prioritize(usize, To),
    Remove(usize),
    CheckUpdates,
    /// The server lists a new version of the pack (seen at the next check).
    NewVersion(usize),
    /// The server stops listing the pack (never the last one listed).
    Unlist(usize),
    /// The server lists the pack again.
    Relist(usize),
    /// Every archive URL moves to another folder of the server.
    MoveUrls,
    /// The preferred languages become this one tag.
    Languages(&'static str),
    Fault(Fault),
    /// The manager shuts down and starts again on the same data dir.
    Restart,
    /// Waits until nothing is in progress, then checks that what is wanted is in.
    Settle,
}

fn pack() -> impl Strategy<Value = usize> {
    0..PACKS.len()
}

fn sel() -> impl Strategy<Value = Sel> {
    prop_oneof![4 => pack().prop_map(Sel::Pack), 1 => Just(Sel::App), 1 => Just(Sel::All)]
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        2 => Just(Fault::None),
        3 => Just(Fault::Slow),
        2 => Just(Fault::Fail),
        2 => Just(Fault::Corrupt),
        1 => Just(Fault::Drop),
        1 => Just(Fault::Stall),
    ]
}

fn language() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("fr"), Just("en"), Just("de")]
}

fn to() -> impl Strategy<Value = To> {
    prop_oneof![Just(To::Top), Just(To::Up), Just(To::Down)]
}

/// One step, weighted towards the verbs.
pub fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => Just(Op::Register),
        1 => Just(Op::UpdateApp),
        3 => pack().prop_map(Op::Ensure),
        2 => pack().prop_map(Op::EnsureLatest),
        3 => sel().prop_map(Op::Pause),
        2 => sel().prop_map(Op::Resume),
        1 => (pack(), to()).prop_map(|(p, t)| Op::Prioritize(p, t)),
        3 => pack().prop_map(Op::Remove),
        2 => Just(Op::CheckUpdates),
        2 => pack().prop_map(Op::NewVersion),
        1 => pack().prop_map(Op::Unlist),
        1 => pack().prop_map(Op::Relist),
        1 => Just(Op::MoveUrls),
        1 => language().prop_map(Op::Languages),
        3 => fault().prop_map(Op::Fault),
        1 => Just(Op::Restart),
        1 => Just(Op::Settle),
    ]
}

/// A whole sequence: up to two steps before the app is registered (a fault, a language),
/// the registration, then up to `max` steps. Proptest shrinks each part.
pub fn sequence(max: usize) -> impl Strategy<Value = Vec<Op>> {
    let before = prop_oneof![
        fault().prop_map(Op::Fault),
        language().prop_map(Op::Languages)
    ];
    (
        proptest::collection::vec(before, 0..=2),
        proptest::collection::vec(op(), 1..=max),
    )
        .prop_map(|(before, after)| {
            let mut ops = before;
            ops.push(Op::Register);
            ops.extend(after);
            ops
        })
}
