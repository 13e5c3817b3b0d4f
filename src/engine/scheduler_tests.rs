//! Tests of the scheduler's decisions (`scheduler::decide`, `host_claims`).

use super::*;
use crate::engine::download::DownloadRequest;

fn download(
    id: &str,
    host: &str,
    priority: i64,
    essential: bool,
    state: DownloadState,
) -> Download {
    let url = url::Url::parse(&format!("http://{host}/{id}")).unwrap();
    let mut request = DownloadRequest::new(id, url, format!("/tmp/{id}"));
    request.priority = Priority(priority);
    request.essential = essential;
    let sequence = id.bytes().map(u64::from).sum();
    let mut download = Download::new(request, sequence);
    download.state = state;
    download
}

fn limits(total: usize, host: usize) -> Limits {
    Limits {
        max_concurrent: total,
        max_per_host: host,
        bytes_per_second: None,
    }
}

#[test]
fn essential_then_priority_then_age() {
    let all = [
        download("a", "h", 0, false, DownloadState::Queued),
        download("b", "h", 5, false, DownloadState::Queued),
        download("c", "h", -3, true, DownloadState::Queued),
        download("d", "h", 5, false, DownloadState::Queued),
    ];
    let decision = decide(&all, &limits(3, 9));
    assert_eq!(decision.start, ["c", "b", "d"]);
    assert!(decision.preempt.is_empty());
}

#[test]
fn per_host_cap_lets_other_hosts_through() {
    let all = [
        download("a", "one", 0, false, DownloadState::Downloading),
        download("b", "one", 0, false, DownloadState::Queued),
        download("c", "two", 0, false, DownloadState::Queued),
    ];
    assert_eq!(decide(&all, &limits(4, 1)).start, ["c"]);
}

#[test]
fn a_segmented_download_s_connections_fill_its_host() {
    let mut big = download("big", "cdn", 0, false, DownloadState::Downloading);
    big.connections = 3;
    let all = [
        big.clone(),
        download("b", "cdn", 0, false, DownloadState::Queued),
        download("c", "other", 0, false, DownloadState::Queued),
    ];
    assert_eq!(
        decide(&all, &limits(8, 3)).start,
        ["c"],
        "3 of 3 open to cdn"
    );
    assert_eq!(decide(&all, &limits(8, 4)).start, ["b", "c"]);
    // What the others claim when one starts: the running one's connections, and one for
    // each queued one from the same host.
    assert_eq!(host_claims(&all, "c", "cdn"), 4);
    assert_eq!(host_claims(&all, "b", "cdn"), 3);
    assert_eq!(host_claims(&all, "big", "other"), 1, "c is queued there");
}

#[test]
fn urgent_downloads_preempt_the_lowest_ranked_running_one() {
    let all = [
        download("low", "h", -1, false, DownloadState::Downloading),
        download("mid", "h", 3, false, DownloadState::Downloading),
        download("ess", "h", 0, true, DownloadState::Queued),
        download("top", "h", i64::MAX, false, DownloadState::Queued),
        download("plain", "h", 9, false, DownloadState::Queued),
    ];
    let decision = decide(&all, &limits(2, 9));
    assert_eq!(
        decision.start,
        ["top", "ess"],
        "the top first, essential next"
    );
    assert_eq!(decision.preempt, ["low", "mid"]);
}

#[test]
fn a_download_asked_for_now_takes_a_background_slot_but_not_an_essential_one() {
    let asked = Priority::FOREGROUND.0 + 2;
    let all = [
        download("prefetch", "h", 0, false, DownloadState::Downloading),
        download("ess", "h", 0, true, DownloadState::Downloading),
        download("asked", "h", asked, false, DownloadState::Queued),
        download("later", "h", 7, false, DownloadState::Queued),
    ];
    let decision = decide(&all, &limits(2, 9));
    assert_eq!(decision.start, ["asked"]);
    assert_eq!(
        decision.preempt,
        ["prefetch"],
        "background work gives its slot"
    );
    let all = [
        download("e1", "h", 0, true, DownloadState::Downloading),
        download("asked", "h", asked, false, DownloadState::Queued),
    ];
    let nothing = Decision {
        full: true,
        ..Decision::default()
    };
    assert_eq!(decide(&all, &limits(1, 9)), nothing);
}

#[test]
fn foreground_runs_after_the_top_and_essentials_and_before_background_work() {
    let all = [
        download("bg", "h", 50, false, DownloadState::Queued),
        download(
            "asked",
            "h",
            Priority::FOREGROUND.0,
            false,
            DownloadState::Queued,
        ),
        download("ess", "h", 0, true, DownloadState::Queued),
        download("top", "h", i64::MAX, false, DownloadState::Queued),
    ];
    assert_eq!(
        decide(&all, &limits(9, 9)).start,
        ["top", "ess", "asked", "bg"]
    );
}

#[test]
fn an_urgent_download_preempts_on_its_own_host_when_that_host_is_full() {
    let all = [
        download("other", "two", 0, false, DownloadState::Downloading),
        download("same", "one", 0, false, DownloadState::Downloading),
        download("ess", "one", 0, true, DownloadState::Queued),
    ];
    let decision = decide(&all, &limits(2, 1));
    assert_eq!(decision.start, ["ess"]);
    assert_eq!(decision.preempt, ["same"]);
}

#[test]
fn nothing_preempts_an_essential_download() {
    let all = [
        download("e1", "h", 0, true, DownloadState::Downloading),
        download("e2", "h", 0, true, DownloadState::Queued),
    ];
    let nothing = Decision {
        full: true,
        ..Decision::default()
    };
    assert_eq!(decide(&all, &limits(1, 9)), nothing);
}

#[test]
fn a_decision_says_whether_every_slot_is_taken_once_its_starts_run() {
    let all = [
        download("a", "h", 0, false, DownloadState::Downloading),
        download("b", "h", 0, false, DownloadState::Queued),
    ];
    assert!(!decide(&all, &limits(3, 9)).full, "a slot stays free");
    let filled = decide(&all, &limits(2, 9));
    assert_eq!(filled.start, ["b"]);
    assert!(filled.full, "b takes the last slot");
    let host_bound = decide(&all, &limits(3, 1));
    assert!(host_bound.start.is_empty());
    assert!(!host_bound.full, "b waits for its host, not for a slot");
}

#[test]
fn verifying_downloads_free_their_slots_up_to_their_allowance_then_take_them_again() {
    let allowance = verifying_allowance(2);
    assert_eq!(allowance, 8);
    let mut all: Vec<Download> = (0..allowance)
        .map(|n| download(&format!("v{n}"), "h", 0, false, DownloadState::Verifying))
        .collect();
    for id in ["q1", "q2", "q3"] {
        all.push(download(id, "h", 0, false, DownloadState::Queued));
    }
    // As many verifying as the allowance, limit 2: both slots are free for transfers.
    assert_eq!(decide(&all, &limits(2, 2)).start, ["q1", "q2"]);
    // One more verifying is beyond the allowance: it takes a slot.
    all.push(download("v-extra", "h", 0, false, DownloadState::Verifying));
    assert_eq!(decide(&all, &limits(2, 2)).start, ["q1"]);
    // A verifying download is never preempted: it holds no connection.
    all.push(download("e", "h", 0, true, DownloadState::Queued));
    let decision = decide(&all, &limits(1, 1));
    assert!(decision.preempt.is_empty(), "{decision:?}");
}

#[test]
fn a_download_held_back_by_its_host_is_named_only_while_slots_are_free() {
    let mut all = [
        download("a", "one", 0, false, DownloadState::Downloading),
        download("b", "one", 0, false, DownloadState::Queued),
        download("c", "two", 0, false, DownloadState::Queued),
    ];
    // Slots free, host "one" at its cap: "b" waits for its host ("two" is full too, now that
    // "c" starts there).
    let decision = decide(&all, &limits(4, 1));
    assert_eq!(decision.start, ["c"]);
    assert_eq!(decision.full_hosts, ["one", "two"]);
    let bound = HostBound {
        full_hosts: decision.full_hosts,
        ..Default::default()
    };
    all[2].state = DownloadState::Connecting;
    let told = changed_waits(&all, &bound, 1);
    assert_eq!(
        told,
        [(
            "b".into(),
            Wait::Host {
                host: "one".into(),
                limit: 1
            }
        )]
    );
    // Every slot busy: it waits for a slot, not its host.
    let decision = decide(&all, &limits(1, 1));
    assert!(decision.start.is_empty());
    assert!(decision.full_hosts.is_empty(), "{:?}", decision.full_hosts);
}

#[test]
fn waits_change_only_when_the_reason_does() {
    let mut queued = download("q", "cdn", 0, false, DownloadState::Queued);
    let refused = HostBound {
        refused: ["q".to_string()].into(),
        ..Default::default()
    };
    let host = Wait::Host {
        host: "cdn".into(),
        limit: 2,
    };
    // Its start refused by the host: it waits for its host now.
    assert_eq!(
        changed_waits([&queued], &refused, 2),
        [("q".into(), host.clone())]
    );
    queued.wait = host.clone();
    assert!(
        changed_waits([&queued], &refused, 2).is_empty(),
        "told once"
    );
    // Its host found at the cap: the same reason, not told again.
    let full = HostBound {
        full_hosts: vec!["cdn".into()],
        ..Default::default()
    };
    assert!(changed_waits([&queued], &full, 2).is_empty());
    // The limit changed: told again, with the new one.
    assert_eq!(
        changed_waits([&queued], &full, 3)[0].1,
        Wait::Host {
            host: "cdn".into(),
            limit: 3
        }
    );
    // Another host is full, not its own: back to waiting for a slot.
    let other = HostBound {
        full_hosts: vec!["elsewhere".into()],
        ..Default::default()
    };
    assert_eq!(
        changed_waits([&queued], &other, 2),
        [("q".into(), Wait::Slot)]
    );
    // Started: the reason is dropped, so that queued again it waits for a slot.
    queued.state = DownloadState::Connecting;
    assert_eq!(
        changed_waits([&queued], &full, 2),
        [("q".into(), Wait::Slot)]
    );
    queued.wait = Wait::Slot;
    assert!(changed_waits([&queued], &full, 2).is_empty());
}

#[test]
fn a_download_named_host_bound_before_a_later_start_took_the_last_slot_waits_for_a_slot() {
    let all = [
        download("a1", "one", 0, false, DownloadState::Downloading),
        download("b1", "two", 0, false, DownloadState::Downloading),
        download("b2", "two", 0, false, DownloadState::Downloading),
        download("a2", "one", 0, false, DownloadState::Queued),
        download("b3", "three", 0, false, DownloadState::Queued),
    ];
    // One slot free: "a2" (older) is held back by its host, then "b3" takes the slot. Named
    // as waiting for its host, "a2" would flip back to waiting for a slot at the next pass.
    let decision = decide(&all, &limits(4, 1));
    assert_eq!(decision.start, ["b3"]);
    assert!(decision.full_hosts.is_empty(), "{:?}", decision.full_hosts);
}

/// The regression this guards: with thousands queued behind a host a segmented download
/// filled, every pass popped the whole queue and named each download (4-10 ms a pass at 10,000,
/// after every report); now the host is named once and the queue stays out of the heap.
#[test]
fn thousands_queued_behind_a_full_host_are_named_by_their_host() {
    let mut all: Vec<Download> = (0..2_000)
        .map(|i| download(&format!("q{i:05}"), "cdn", 0, false, DownloadState::Queued))
        .collect();
    let mut big = download("big", "cdn", 0, false, DownloadState::Downloading);
    big.connections = 4;
    all.push(big);
    all.push(download("other", "mirror", 0, false, DownloadState::Queued));
    let decision = decide(&all, &limits(4, 4));
    assert_eq!(decision.start, ["other"]);
    assert_eq!(decision.full_hosts, ["cdn"]);
    let bound = HostBound {
        full_hosts: decision.full_hosts,
        ..Default::default()
    };
    all.last_mut().unwrap().state = DownloadState::Connecting;
    let told = changed_waits(&all, &bound, 4);
    assert_eq!(told.len(), 2_000, "every queued one of cdn, once");
    assert!(
        told.iter()
            .all(|(_, w)| matches!(w, Wait::Host { host, .. } if host == "cdn"))
    );
}

/// The regression this guards (a review of the pass that leaves downloads of a full host out of
/// the heap): an urgent download preempting a segmented one on the same host freed some of the
/// host's connections in the pass, so the host was no longer named full and the downloads left
/// out were told they wait for a slot while slots were free (and the host, for them, in the
/// next pass).
#[test]
fn downloads_left_out_for_a_full_host_wait_for_it_when_an_urgent_one_preempts_there() {
    let mut big = download("big", "cdn", 0, false, DownloadState::Downloading);
    big.connections = 4;
    let all = [
        big,
        download("u", "cdn", 0, true, DownloadState::Queued),
        download("q1", "cdn", 0, false, DownloadState::Queued),
        download("q2", "cdn", 0, false, DownloadState::Queued),
    ];
    let decision = decide(&all, &limits(4, 4));
    assert_eq!(decision.preempt, ["big"]);
    assert_eq!(decision.start, ["u"]);
    assert_eq!(decision.full_hosts, ["cdn"]);
}

/// With every slot taken, urgent downloads (packs an app asked for) take slots only from
/// lower-ranked, not urgent ones; once none is left, the pass stops (a review found every pass
/// popping thousands of queued foreground downloads after every report).
#[test]
fn urgent_downloads_behind_busy_slots_take_only_the_slots_of_lower_ranked_ones() {
    let foreground = Priority::FOREGROUND.0;
    let mut all = vec![
        download(
            "fg-running",
            "h",
            foreground,
            false,
            DownloadState::Downloading,
        ),
        download("bg-running", "h", 0, false, DownloadState::Downloading),
    ];
    for i in 0..2_000 {
        all.push(download(
            &format!("fg{i:04}"),
            "h",
            foreground,
            false,
            DownloadState::Queued,
        ));
    }
    let decision = decide(&all, &limits(2, 4));
    assert_eq!(decision.preempt, ["bg-running"]);
    assert_eq!(decision.start.len(), 1);
    assert!(decision.full_hosts.is_empty());
}
