//! The model-based test of the manager: proptest draws sequences of steps (verbs, manifest
//! changes, languages, server faults, restarts, waits), each runs against a real manager and
//! the real mock server, and named checks run after every step. A failing sequence is shrunk
//! to a minimal one and printed with the seed that draws it.
//!
//! - `ops`: the steps and the strategy; `world`: the packs, their archives, the served site.
//! - `adapter`: the one place that speaks the manager's API and decodes its status document.
//! - `checks`: the pure checks of one document; `settle`: the checks once the app is at rest;
//!   `observe`: files, installs, and the one wait.
//! - `restart`: what a restart must keep; `driver`: one sequence; `stats`: what it exercised.
//!
//! Environment: `BGASSETS_MODEL_CASES` (sequences, default 200), `BGASSETS_MODEL_SEED` (a u64;
//! the default is fixed, so a run is reproducible up to timing), `BGASSETS_MODEL_STEPS` (most
//! steps after registering, default 8), `BGASSETS_MODEL_SHRINK` (shrink runs, default 64),
//! `BGASSETS_MODEL_CENSUS` (set: enforce nothing, count what breaks).

pub mod adapter;
pub mod checks;
pub mod driver;
pub mod observe;
pub mod ops;
pub mod restart;
pub mod settle;
pub mod stats;
pub mod world;

use std::time::Instant;

use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

use checks::{Check, Violation};
use stats::Stats;

/// The seed used unless `BGASSETS_MODEL_SEED` says otherwise.
pub const DEFAULT_SEED: u64 = 0x6d6f_6465_6c5f_3132;

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("{name}={text:?} is not a number: {e}")),
        Err(_) => default,
    }
}

/// Runs one sequence and returns its violations and counters.
pub async fn run_sequence(ops: &[ops::Op]) -> (Vec<Violation>, Stats) {
    let mut run = driver::Run::start().await;
    for &op in ops {
        run.step(op).await;
    }
    run.finish().await
}

/// [`run_sequence`] on a task of its own: a panic in it (the harness's or the manager's)
/// becomes a [`Check::NoPanic`] violation with the panic's message.
async fn run_caught(ops: Vec<ops::Op>) -> (Vec<Violation>, Stats) {
    match tokio::spawn(async move { run_sequence(&ops).await }).await {
        Ok(result) => result,
        Err(error) => {
            let what = match error.try_into_panic() {
                Ok(payload) => payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "a panic without a message".into()),
                Err(error) => error.to_string(),
            };
            let violation = Violation {
                check: Check::NoPanic,
                step: 0,
                what,
            };
            (vec![violation], Stats::default())
        }
    }
}

fn describe(violation: &Violation) -> String {
    format!(
        "{:?} after step {}: {}",
        violation.check, violation.step, violation.what
    )
}

/// Runs the configured number of sequences enforcing `enforced`; panics with the shrunk
/// sequence on the first that breaks one of them. Prints what the run exercised, and the
/// first violations of every check not enforced. `BGASSETS_MODEL_CENSUS=1` enforces nothing:
/// a long run then counts, for every check, the sequences that break it.
pub fn run(name: &str, enforced: &[Check]) {
    let enforced = match std::env::var_os("BGASSETS_MODEL_CENSUS") {
        Some(_) => &[],
        None => enforced,
    };
    let cases = env_number("BGASSETS_MODEL_CASES", 200) as u32;
    let seed = env_number("BGASSETS_MODEL_SEED", DEFAULT_SEED);
    let steps = env_number("BGASSETS_MODEL_STEPS", 8) as usize;
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: env_number("BGASSETS_MODEL_SHRINK", 64) as u32,
        ..Config::default()
    };
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&seed.wrapping_add(i as u64).to_le_bytes());
    }
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let total = std::sync::Mutex::new(Stats::default());
    let started = Instant::now();
    let result = runner.run(&ops::sequence(steps), |ops| {
        let (violations, stats) = runtime.block_on(run_caught(ops.clone()));
        let mut sum = total.lock().unwrap_or_else(|e| e.into_inner());
        sum.add(&stats, &violations, enforced, &format!("{ops:?}"));
        if sum.sequences.is_multiple_of(500) {
            let seconds = started.elapsed().as_secs_f64();
            eprintln!(
                "{name}: {} sequences in {seconds:.0} s: {:?}",
                sum.sequences, sum.unenforced
            );
        }
        drop(sum);
        match violations.iter().find(|v| enforced.contains(&v.check)) {
            Some(violation) => Err(TestCaseError::fail(describe(violation))),
            None => Ok(()),
        }
    });
    let mut total = total.into_inner().unwrap_or_else(|e| e.into_inner());
    let examples = std::mem::take(&mut total.examples);
    eprintln!(
        "{name}: {} sequences run ({cases} asked, seed {seed}) in {:.1} s: {total:?}",
        total.sequences,
        started.elapsed().as_secs_f64()
    );
    for (check, examples) in examples {
        for example in examples {
            eprintln!("  not enforced here, broken: {check:?} at {example}");
        }
    }
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, ops)) => panic!(
            "{name}: a sequence breaks {enforced:?} (seed {seed}, shrunk):\n{ops:#?}\n{reason}"
        ),
        Err(TestError::Abort(reason)) => panic!("{name}: aborted: {reason}"),
    }
}

/// Runs the fixed sequence `ops` `times` times (timing differs from run to run); panics if a
/// run breaks one of `enforced`, naming the violation.
pub fn replay(name: &str, ops: &[ops::Op], enforced: &[Check], times: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for run in 1..=times {
        let (violations, _) = runtime.block_on(run_sequence(ops));
        if let Some(violation) = violations.iter().find(|v| enforced.contains(&v.check)) {
            panic!("{name}: run {run} of {ops:?}: {}", describe(violation));
        }
    }
}
