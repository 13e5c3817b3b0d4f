//! Tests of the segment writer: chunks in any order hash as the whole file and are recorded;
//! an unfinished file reports the bytes it keeps.

use super::*;
use crate::engine::segments::extents::Extents;

fn record(total: u64, done: &[[u64; 2]]) -> Sidecar {
    Sidecar {
        total,
        validator: None,
        extents: Extents::from_list(done, total).unwrap(),
    }
}

#[tokio::test]
async fn chunks_in_any_order_hash_as_the_whole_file_and_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let partial = dir.path().join("f.partial");
    let data: Vec<u8> = (0..100u8).collect();
    // A resumed file: bytes 40..60 are on disk already.
    std::fs::write(&partial, vec![0u8; 100]).unwrap();
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&partial)
        .unwrap();
    write_at(&file, &data[40..60], 40).unwrap();
    let writer = Writer::start(file, partial.clone(), record(100, &[[40, 60]]));
    let chunks = writer.chunks().unwrap();
    for (start, end) in [(60, 100), (0, 20), (20, 40)] {
        assert!(
            chunks
                .write(
                    start,
                    Bytes::copy_from_slice(&data[start as usize..end as usize])
                )
                .await
        );
    }
    drop(chunks);
    let done = writer.finish().await.unwrap().unwrap();
    assert_eq!(
        done,
        SinkDone {
            sha256: Sha256Digest::of(&data),
            length: 100
        }
    );
    assert_eq!(std::fs::read(&partial).unwrap(), data);
    let saved = sidecar::load(&partial).unwrap().unwrap();
    assert_eq!(saved.extents.list(), [[0, 100]]);
}

#[tokio::test]
async fn an_unfinished_file_reports_the_bytes_it_keeps() {
    let dir = tempfile::tempdir().unwrap();
    let partial = dir.path().join("g.partial");
    std::fs::write(&partial, vec![0u8; 50]).unwrap();
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&partial)
        .unwrap();
    let writer = Writer::start(file, partial.clone(), record(50, &[]));
    assert!(
        writer
            .chunks()
            .unwrap()
            .write(30, Bytes::from_static(b"12345"))
            .await
    );
    assert_eq!(writer.finish().await.unwrap(), Err(5));
    let saved = sidecar::load(&partial).unwrap().unwrap();
    assert_eq!(saved.extents.list(), [[30, 35]]);
}
