use super::*;
use crate::gui::fixture as documents;

/// A document of two apps (the fixture's), published as `generation`.
fn published(document: &StatusDocument, generation: u64, log: &ChangeLog) -> Published {
    let mut document = document.clone();
    document.generation = generation;
    Published {
        document: Arc::new(document),
        log: Arc::new(log.clone()),
        effort: Default::default(),
    }
}

fn pack_change(app: &str, pack: &str) -> Changes {
    Changes {
        packs: [(app.to_string(), pack.to_string())].into(),
        ..Changes::default()
    }
}

fn first_pack(document: &StatusDocument) -> (String, String) {
    let app = &document.apps[0];
    (app.bundle_id.clone(), app.packs[0].id.clone())
}

#[test]
fn a_pack_that_changed_is_all_a_follower_receives_and_applying_it_gives_the_document() {
    let before = documents::every_state();
    let (app, pack) = first_pack(&before);
    let log = ChangeLog::default().with(10, Changes::default());
    let mut after = before.clone();
    Arc::make_mut(&mut after.apps[0].packs[0]).name = "Renamed".into();
    let log = log.with(11, pack_change(&app, &pack));
    let answer = delta(&published(&after, 11, &log), 10);
    assert_eq!(answer.since, Some(10));
    assert_eq!(answer.generation, 11);
    assert!(answer.apps.is_empty() && answer.headers.is_empty());
    assert_eq!(answer.packs.len(), 1);
    assert_eq!(answer.packs[0].name, "Renamed");
    let mut client = before.clone();
    client.generation = 10;
    answer.apply_to(&mut client).unwrap();
    let mut expected = after.clone();
    expected.generation = 11;
    assert_eq!(client, expected);
}

#[test]
fn a_generation_the_log_does_not_reach_gets_the_whole_state() {
    let document = documents::every_state();
    let mut log = ChangeLog::default();
    for generation in 1..=(LOG_LEN as u64 + 5) {
        log = log.with(generation, Changes::default());
    }
    let now = LOG_LEN as u64 + 5;
    let old = delta(&published(&document, now, &log), 2);
    assert_eq!(old.since, None, "generation 2 fell out of the log");
    assert_eq!(old.apps, document.apps);
    let unknown = delta(&published(&document, now, &log), now + 7);
    assert_eq!(unknown.since, None, "a generation never published");
    let mut client = StatusDocument::empty(Limits::default());
    unknown.apply_to(&mut client).unwrap();
    assert_eq!(client.apps, document.apps);
    assert_eq!(client.generation, now);
}

#[test]
fn the_same_generation_gets_an_empty_delta() {
    let document = documents::every_state();
    let log = ChangeLog::default().with(5, pack_change("a", "b"));
    let answer = delta(&published(&document, 5, &log), 5);
    assert_eq!(answer.since, Some(5));
    assert!(answer.apps.is_empty() && answer.packs.is_empty() && answer.removed_apps.is_empty());
}

#[test]
fn changes_over_several_generations_are_joined_and_an_app_changed_whole_wins_over_its_packs() {
    let document = documents::every_state();
    let (app, pack) = first_pack(&document);
    let other = document.apps.get(1).map(|a| a.bundle_id.clone());
    let mut log = ChangeLog::default().with(1, Changes::default());
    log = log.with(2, pack_change(&app, &pack));
    log = log.with(
        3,
        Changes {
            apps: [app.clone(), "gone.app".to_string()].into(),
            ..Changes::default()
        },
    );
    if let Some(other) = &other {
        log = log.with(
            4,
            Changes {
                headers: [other.clone()].into(),
                ..Changes::default()
            },
        );
    }
    let now = if other.is_some() { 4 } else { 3 };
    let answer = delta(&published(&document, now, &log), 1);
    assert_eq!(answer.apps.len(), 1, "the app changed whole is sent whole");
    assert_eq!(answer.apps[0].bundle_id, app);
    assert!(answer.packs.is_empty(), "its pack is in it already");
    assert_eq!(answer.removed_apps, vec!["gone.app".to_string()]);
    if let Some(other) = other {
        assert_eq!(answer.headers.len(), 1);
        assert_eq!(answer.headers[0].bundle_id, other);
        assert!(
            answer.headers[0].packs.is_empty(),
            "a header carries no packs"
        );
    }
}

#[test]
fn a_header_keeps_the_client_s_packs_and_a_removed_app_goes() {
    let before = documents::every_state();
    let mut after = before.clone();
    after.apps[0].disk_used += 1000;
    let app = after.apps[0].bundle_id.clone();
    let log = ChangeLog::default().with(1, Changes::default()).with(
        2,
        Changes {
            headers: [app.clone()].into(),
            ..Changes::default()
        },
    );
    let answer = delta(&published(&after, 2, &log), 1);
    let mut client = before.clone();
    client.generation = 1;
    answer.apply_to(&mut client).unwrap();
    assert_eq!(client.apps[0].disk_used, after.apps[0].disk_used);
    assert_eq!(client.apps[0].packs, after.apps[0].packs);

    let mut gone = after.clone();
    gone.apps.remove(0);
    let log = log.with(
        3,
        Changes {
            apps: [app.clone()].into(),
            ..Changes::default()
        },
    );
    let answer = delta(&published(&gone, 3, &log), 2);
    assert_eq!(answer.removed_apps, vec![app.clone()]);
    answer.apply_to(&mut client).unwrap();
    assert!(client.app(&app).is_none());
}

#[test]
fn a_delta_for_another_generation_is_refused_not_misapplied() {
    let document = documents::every_state();
    let (app, pack) = first_pack(&document);
    let log = ChangeLog::default()
        .with(1, Changes::default())
        .with(2, pack_change(&app, &pack));
    let answer = delta(&published(&document, 2, &log), 1);
    let mut client = document.clone();
    client.generation = 7;
    let error = answer.apply_to(&mut client).unwrap_err();
    assert!(error.to_string().contains("generation 1"), "{error}");
}

#[test]
fn a_delta_naming_a_pack_the_client_lacks_is_refused() {
    let document = documents::every_state();
    let mut client = document.clone();
    let (app, pack) = first_pack(&document);
    client.apps[0].packs.remove(0);
    client.generation = 1;
    let log = ChangeLog::default()
        .with(1, Changes::default())
        .with(2, pack_change(&app, &pack));
    let answer = delta(&published(&document, 2, &log), 1);
    let error = answer.apply_to(&mut client).unwrap_err();
    assert!(error.to_string().contains(&pack), "{error}");
}

#[test]
fn the_free_space_travels_with_every_delta() {
    let before = documents::every_state();
    let log = ChangeLog::default()
        .with(10, Changes::default())
        .with(11, Changes::default());
    let mut after = before.clone();
    after.free_bytes = Some(7_000_000_000);
    let answer = delta(&published(&after, 11, &log), 10);
    assert_eq!(answer.free_bytes, Some(7_000_000_000));
    let mut client = before.clone();
    client.generation = 10;
    answer.apply_to(&mut client).unwrap();
    assert_eq!(client.free_bytes, Some(7_000_000_000));
}
