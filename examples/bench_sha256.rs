//! Benchmark helper for `scripts/bench`: how fast the `sha2` crate the engine hashes with runs
//! on this machine, hashing 1 GiB held in memory in 16 KiB, 64 KiB and 1 MiB updates (reqwest
//! hands the engine chunks of a few KiB to 64 KiB). About 2 GB/s means the CPU's SHA extensions
//! (SHA-NI) are used; about 0.4 GB/s means the portable code is.
//!
//! Usage: `bench_sha256 [MIB]` (default 1024). Prints one line per update size:
//! `sha256 UPDATE_BYTES MB_PER_SECOND`.

use std::time::Instant;

use anyhow::Context;
use sha2::{Digest, Sha256};

fn main() -> anyhow::Result<()> {
    let mib: usize = match std::env::args().nth(1) {
        Some(n) => n.parse().context("MIB must be a number")?,
        None => 1024,
    };
    // 64 MiB of random bytes, hashed as many times as needed to reach `mib`.
    let mut buffer = vec![0u8; 64 << 20];
    fastrand::Rng::with_seed(1).fill(&mut buffer);
    let rounds = mib.div_ceil(64).max(1);
    for update in [16 << 10, 64 << 10, 1 << 20] {
        let start = Instant::now();
        let mut hasher = Sha256::new();
        for _ in 0..rounds {
            for chunk in buffer.chunks(update) {
                hasher.update(chunk);
            }
        }
        let digest = hasher.finalize();
        let seconds = start.elapsed().as_secs_f64();
        let megabytes = (rounds * buffer.len()) as f64 / 1e6;
        println!(
            "sha256 {update} {:.0} (digest {:02x}{:02x}…)",
            megabytes / seconds,
            digest[0],
            digest[1]
        );
    }
    Ok(())
}
