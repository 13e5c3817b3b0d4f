//! The status load: `clients` connections asking the manager's state in a closed loop for
//! `load_secs` each while the large pack `Big` downloads, twice: first as followers (each asks
//! `statusChanges` since the generation of its last answer, as the window and the Rust client
//! do), then asking the whole `status` document every time. Answer times are measured from the
//! request's write to the end of its line; answers are not decoded (the load measures the
//! manager, not this client's JSON parser).

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::Settings;
use crate::phases::{APP, packs};
use crate::socket::Socket;

/// How a client asks.
#[derive(Clone, Copy)]
enum Ask {
    /// `statusChanges` since its last answer's generation.
    Follow,
    /// `status`, the whole document.
    Whole,
}

/// Runs both loads while `Big` downloads and prints their figures.
pub fn status_load(data: &Path, socket: &mut Socket, settings: &Settings) -> anyhow::Result<()> {
    socket.call("ensure", json!({ "app": APP, "pack": "Big" }))?;
    for (ask, name) in [
        (Ask::Follow, "statusChanges (followers)"),
        (Ask::Whole, "status (the whole document)"),
    ] {
        eprintln!(
            "== {} clients asking {name} for {} s while Big downloads",
            settings.clients, settings.load_secs
        );
        let (mut times, errors, bytes) = clients(data, settings, ask)?;
        times.sort_by(f64::total_cmp);
        let at = |q: f64| {
            times
                .get(((times.len() as f64 - 1.0) * q).round() as usize)
                .copied()
                .unwrap_or(f64::NAN)
        };
        let status = socket.call("status", Value::Null)?;
        let big = packs(&status)
            .into_iter()
            .find(|p| p["id"] == "Big")
            .map(|p| p["activity"]["state"].clone())
            .unwrap_or_default();
        println!(
            "status under load, {name}: {} clients, {} answers in {} s, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, {errors} errors, {:.1} KB per answer on average (target p99 <= 50 ms, no error); Big at the end: {big}",
            settings.clients,
            times.len(),
            settings.load_secs,
            at(0.5),
            at(0.99),
            times.last().copied().unwrap_or(f64::NAN),
            bytes as f64 / times.len().max(1) as f64 / 1e3,
        );
    }
    Ok(())
}

/// Answer times (ms), errors and bytes received by `settings.clients` clients asking as `ask`.
fn clients(data: &Path, settings: &Settings, ask: Ask) -> anyhow::Result<(Vec<f64>, usize, usize)> {
    let until = Instant::now() + Duration::from_secs(settings.load_secs);
    let results: Vec<anyhow::Result<(Vec<f64>, usize, usize)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..settings.clients)
            .map(|_| scope.spawn(move || one_client(data, until, ask)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a client panicked")))
            })
            .collect()
    });
    let (mut times, mut errors, mut bytes) = (Vec::new(), 0, 0);
    for result in results {
        let (t, e, b) = result?;
        times.extend(t);
        errors += e;
        bytes += b;
    }
    Ok((times, errors, bytes))
}

/// One client's loop until `until`.
fn one_client(data: &Path, until: Instant, ask: Ask) -> anyhow::Result<(Vec<f64>, usize, usize)> {
    let mut socket = Socket::controller(data)?;
    let (mut times, mut errors, mut bytes) = (Vec::new(), 0, 0);
    let mut since = 0u64;
    while Instant::now() < until {
        let started = Instant::now();
        let answer = match ask {
            Ask::Whole => socket.call_line("status", Value::Null),
            Ask::Follow => socket.call_line("statusChanges", json!({ "since": since })),
        };
        match answer {
            Ok(line) if line.ok => {
                times.push(started.elapsed().as_secs_f64() * 1e3);
                bytes += line.len;
                if let Some(generation) = line.generation {
                    since = generation;
                }
            }
            Ok(_) | Err(_) => errors += 1,
        }
    }
    Ok((times, errors, bytes))
}
