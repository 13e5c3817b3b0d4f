//! The app's downloader extension in the plan: a version is asked about once before it starts,
//! starts when allowed, shows vetoed (naming the extension) when not, and a veto of an
//! essential pack does not hold the app's launch.

use super::*;
use crate::manager::state::Verdict;

const EXTENSION: &str = "Extensions/veto.sh";

fn run_with_extension(
    record: &AppRecord,
) -> (Launch, std::collections::BTreeMap<String, PackPlan>) {
    let languages = vec!["en".to_string()];
    let input = Input {
        app: "org.example.game",
        record,
        paused_all: false,
        languages: &languages,
        insecure_hosts: &[],
        extension: Some(EXTENSION),
    };
    let (launch, plans) = plan(&input, None);
    (launch, plans.into_iter().collect())
}

fn verdict(version: u64, allowed: bool) -> Option<Verdict> {
    Some(Verdict {
        version,
        allowed,
        extension: EXTENSION.into(),
    })
}

fn asks(plan: &PackPlan) -> bool {
    plan.actions
        .iter()
        .any(|a| matches!(a, Action::AskExtension { version: 1, .. }))
}

#[test]
fn without_an_extension_a_wanted_pack_starts() {
    let mut record = app("");
    add(&mut record, "Maps", PREFETCH, true);
    let (_, plans) = run(&record, false);
    assert!(starts(&plans["Maps"]));
}

#[test]
fn a_wanted_version_is_asked_about_once_before_it_starts() {
    let mut record = app("");
    add(&mut record, "Maps", PREFETCH, true);
    let (_, plans) = run_with_extension(&record);
    let maps = &plans["Maps"];
    assert!(asks(maps) && !starts(maps), "{:?}", maps.actions);
    assert_eq!(maps.activity, Activity::Queued);
    assert!(maps.reason.contains("asking") && maps.reason.contains(EXTENSION));
    record.packs.get_mut("Maps").unwrap().live.asking = Some(1);
    let (_, plans) = run_with_extension(&record);
    assert!(plans["Maps"].actions.is_empty(), "asked twice");
}

#[test]
fn an_allowed_version_starts_and_a_vetoed_one_shows_why() {
    let mut record = app("");
    add(&mut record, "Maps", PREFETCH, true).observed.verdict = verdict(1, true);
    add(&mut record, "Bonus", ON_DEMAND, true).observed.verdict = verdict(1, false);
    let (_, plans) = run_with_extension(&record);
    assert!(starts(&plans["Maps"]));
    let bonus = &plans["Bonus"];
    assert!(bonus.actions.is_empty(), "{:?}", bonus.actions);
    assert_eq!(
        bonus.activity,
        Activity::Vetoed {
            extension: EXTENSION.into()
        }
    );
    assert!(bonus.reason.contains("vetoed") && bonus.reason.contains(EXTENSION));
}

#[test]
fn a_new_version_is_asked_about_again() {
    let mut record = app("");
    let maps = add(&mut record, "Maps", PREFETCH, true);
    maps.observed.verdict = verdict(1, false);
    maps.observed.listed = Some(listed("Maps", PREFETCH, 2));
    let (_, plans) = run_with_extension(&record);
    let asked = plans["Maps"]
        .actions
        .iter()
        .any(|a| matches!(a, Action::AskExtension { version: 2, .. }));
    assert!(asked, "{:?}", plans["Maps"].actions);
}

#[test]
fn a_paused_pack_is_not_asked_about_until_resumed() {
    let mut record = app("");
    add(&mut record, "Maps", PREFETCH, true).intent.paused = Some(true);
    let (_, plans) = run_with_extension(&record);
    assert!(plans["Maps"].actions.is_empty());
}

#[test]
fn a_vetoed_essential_pack_does_not_hold_the_app_s_launch() {
    let mut record = app("");
    add(&mut record, "Core", ESSENTIAL, true).observed.verdict = verdict(1, false);
    add(&mut record, "Maps", PREFETCH, true).observed.verdict = verdict(1, true);
    let (launch, plans) = run_with_extension(&record);
    assert!(launch.ready, "{launch:?}");
    assert!(starts(&plans["Maps"]), "not held behind a vetoed essential");
    // Asked about but not answered yet, it holds launch as any essential pack on its way.
    record.packs.get_mut("Core").unwrap().observed.verdict = None;
    let (launch, _) = run_with_extension(&record);
    assert_eq!(launch.waiting_for, vec!["Core".to_string()]);
}
