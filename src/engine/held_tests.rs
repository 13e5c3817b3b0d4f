//! Tests of held bodies (`engine::held`).

use super::*;

#[test]
fn a_held_body_is_written_whole_over_what_was_there_and_hashed() {
    let dir = tempfile::tempdir().unwrap();
    let partial = dir.path().join("f.partial");
    std::fs::write(&partial, b"an older, longer attempt's bytes").unwrap();
    let budget = HeldBudget::default();
    let mut body = HeldBody::new(partial.clone(), budget.reserve(12).unwrap());
    body.push(Bytes::from_static(b"hello, "));
    body.push(Bytes::from_static(b"world"));
    let done = body.write().unwrap();
    assert_eq!(std::fs::read(&partial).unwrap(), b"hello, world");
    assert_eq!(done.length, 12);
    assert_eq!(done.sha256, Sha256Digest::of(b"hello, world"));
}

/// The regression this guards: a body sent in one-byte HTTP chunks kept every chunk, its
/// bookkeeping (32 bytes a chunk) far beyond the bytes the budget counts. Now each chunk is
/// copied into the pages taken at the start, which never grow.
#[test]
fn a_body_in_tiny_pieces_takes_no_more_memory_than_its_pages() {
    let dir = tempfile::tempdir().unwrap();
    let partial = dir.path().join("f.partial");
    let budget = HeldBudget::default();
    let mut body = HeldBody::new(partial.clone(), budget.reserve(5000).unwrap());
    let bytes: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
    for byte in &bytes {
        body.push(Bytes::copy_from_slice(std::slice::from_ref(byte)));
    }
    assert_eq!(
        body.room.pages.capacity(),
        8192,
        "two pages for 5,000 bytes"
    );
    let done = body.write().unwrap();
    assert_eq!(std::fs::read(&partial).unwrap(), bytes);
    assert_eq!(done.sha256, Sha256Digest::of(&bytes));
}

#[test]
fn only_small_bodies_are_held_and_the_budget_bounds_them_until_written() {
    let budget = HeldBudget::default();
    assert!(budget.reserve(SMALL + 1).is_none(), "too big to hold");
    assert!(budget.reserve(0).is_none(), "nothing to hold");
    let held: Vec<_> = (0..BUDGET as u64 / SMALL)
        .map(|_| budget.reserve(SMALL).unwrap())
        .collect();
    assert!(budget.reserve(1).is_none(), "the budget is spent");
    drop(held);
    assert!(
        budget.reserve(SMALL).is_some(),
        "written bodies give it back"
    );
}

/// The regression this guards: a body's memory is whole pages, and the budget counted its
/// bytes, so thousands of tiny bodies waiting for a finishing thread held far more memory
/// than the budget (100-byte files: about 40 times).
#[test]
fn tiny_bodies_take_whole_pages_of_the_budget() {
    let budget = HeldBudget::default();
    let pages = BUDGET / crate::engine::direct::ALIGN;
    let held: Vec<_> = (0..pages).map(|_| budget.reserve(100).unwrap()).collect();
    assert_eq!(held[0].bytes(), crate::engine::direct::ALIGN);
    assert!(
        budget.reserve(1).is_none(),
        "one page each: the budget is spent"
    );
}

#[test]
fn a_held_body_whose_folder_is_gone_fails_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let partial = dir.path().join("gone").join("f.partial");
    let budget = HeldBudget::default();
    let mut body = HeldBody::new(partial, budget.reserve(1).unwrap());
    body.push(Bytes::from_static(b"x"));
    let failure = body.write().unwrap_err();
    assert!(failure.error.message.contains("f.partial"), "{failure:?}");
}

fn written(budget: &HeldBudget, partial: &Path, bytes: &[u8]) {
    let mut body = HeldBody::new(
        partial.to_path_buf(),
        budget.reserve(bytes.len() as u64).unwrap(),
    );
    body.push(Bytes::copy_from_slice(bytes));
    body.write().unwrap();
}

#[test]
fn a_written_bodys_buffer_is_used_again_and_its_old_bytes_never_reach_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let budget = HeldBudget::default();
    written(&budget, &dir.path().join("a.partial"), &[b'a'; 12_000]);
    let room = budget.reserve(10).unwrap();
    assert_eq!(room.pages.capacity(), 4096, "too big a spare is not taken");
    drop(room);
    let room = budget.reserve(5000).unwrap();
    assert_eq!(room.pages.capacity(), 12_288, "three pages, for two needed");
    assert_eq!(room.bytes(), 12_288, "the budget counts the buffer taken");
    assert!(
        budget.0.spares.lock().unwrap().is_empty(),
        "the spare was taken"
    );
    let partial = dir.path().join("b.partial");
    let mut body = HeldBody::new(partial.clone(), room);
    body.push(Bytes::from_static(b"bbbbbbbbbb"));
    let done = body.write().unwrap();
    assert_eq!(std::fs::read(&partial).unwrap(), b"bbbbbbbbbb");
    assert_eq!(done.sha256, Sha256Digest::of(b"bbbbbbbbbb"));
}

#[test]
fn the_spares_never_hold_more_than_their_bound() {
    let budget = HeldBudget::default();
    for _ in 0..(2 * SPARE) / SMALL as usize {
        budget.give_back(PageBuf::with_capacity(SMALL as usize));
    }
    let spares = budget.0.spares.lock().unwrap();
    let kept: usize = spares.iter().map(PageBuf::capacity).sum();
    assert_eq!(kept, SPARE);
}

/// Found in review: four 1 MiB spares refused every smaller buffer for good, and none of them
/// fits a small body.
#[test]
fn the_oldest_spares_make_way_for_the_sizes_downloaded_now() {
    let budget = HeldBudget::default();
    for _ in 0..SPARE / SMALL as usize {
        budget.give_back(PageBuf::with_capacity(SMALL as usize));
    }
    budget.give_back(PageBuf::with_capacity(8192));
    assert_eq!(budget.0.spares.lock().unwrap().len(), 4, "the oldest went");
    let room = budget.reserve(5000).unwrap();
    assert_eq!(room.pages.capacity(), 8192);
    assert_eq!(
        budget.0.spares.lock().unwrap().len(),
        3,
        "the small spare was kept and taken"
    );
}

/// Found in review: a spare bigger than the room left refused a body the budget had room for.
#[test]
fn a_spare_too_big_for_the_budget_left_gives_way_to_the_pages_needed() {
    let budget = HeldBudget::default();
    let held: Vec<_> = (0..BUDGET / SMALL as usize - 1)
        .map(|_| budget.reserve(SMALL).unwrap())
        .collect();
    let _most = budget.reserve(SMALL - 8192).unwrap();
    budget.give_back(PageBuf::with_capacity(16384));
    let room = budget.reserve(5000).unwrap();
    assert_eq!(
        room.pages.capacity(),
        8192,
        "a fresh buffer of the pages needed"
    );
    drop(held);
}
