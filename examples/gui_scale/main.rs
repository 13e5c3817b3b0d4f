//! The window at scale through the real manager (issue 15), for `scripts/bench-gui scale`: a
//! real in-process manager, started as the desktop app starts it, with `BENCH_APPS` apps of
//! `BENCH_APP_PACKS` packs (20 × 500 = 10,000), their manifests served by `bgassets serve` on
//! loopback; `BENCH_DOWNLOADS` packs downloading from a rate-capped `bgassets serve` so progress
//! flows while the rest sit idle; the real window state (`BgAssetsApp` on the real
//! `ManagerBackend`) drawn headless while the selection pages through the list. Prints, each
//! with PASS or MISS where there is a target:
//!
//! - frame time p50 / p95 / max while downloads run (wall and the frame thread's CPU), target
//!   p95 <= 4 ms;
//! - the snapshot's cost: publications a second, the mean and longest time to build one
//!   (`ManagerHandle::publish_effort`), that time as CPU %, and the CPU % of the runtime's
//!   threads (manager, engine and the window's backend tasks);
//! - idle: the whole process's CPU over `BENCH_IDLE_SECS` with everything paused, as eframe's
//!   event loop would run it (frames only when asked for), target 0 %;
//! - with `BENCH_WINDOW=1` (and a `DISPLAY`): the real `bgassets` window on the same data dir,
//!   its CPU over the same time once settled (no tick in 2 s), then over the same time again
//!   (start-up's tail over).
//!
//!     gui_scale BGASSETS_BIN WORK_DIR

mod frames;
mod measure;
mod site;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bgassets::gui::{Backend, ManagerBackend};
use bgassets::manager::api::{ManagerApi, Selection};
use bgassets::manager::view::StatusDocument;
use bgassets::manager::{Manager, ManagerConfig};
use bgassets::model::Activity;
use bgassets::store::Paths;

use frames::Window;
use measure::{percentiles, process_ticks, threads, verdict};

/// The target for a frame's p95, in milliseconds.
const FRAME_P95_MS: f64 = 4.0;

fn setting(name: &str, default: usize) -> anyhow::Result<usize> {
    match std::env::var(name) {
        Ok(text) => text
            .parse()
            .with_context(|| format!("{name}={text} is not a number")),
        Err(_) => Ok(default),
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [bin, work] = args.as_slice() else {
        bail!("usage: gui_scale BGASSETS_BIN WORK_DIR");
    };
    let (bin, work) = (PathBuf::from(bin), PathBuf::from(work));
    let apps = setting("BENCH_APPS", 20)?;
    let packs = setting("BENCH_APP_PACKS", 500)?;
    let frames = setting("BENCH_FRAMES", 600)?;
    let idle = Duration::from_secs(setting("BENCH_IDLE_SECS", 10)? as u64);
    let downloads = setting("BENCH_DOWNLOADS", 12)?;
    let archive_mib = setting("BENCH_ARCHIVE_MIB", 32)?;
    let rate = std::env::var("BENCH_RATE").unwrap_or_else(|_| "4MB".into());
    let run = work.join("run");
    if run.exists() {
        std::fs::remove_dir_all(&run).with_context(|| format!("clearing {}", run.display()))?;
    }
    let site = site::build(&bin, &work, &run, (apps, packs), archive_mib, &rate)?;
    let total = apps * packs;
    println!(
        "gui_scale: {apps} apps x {packs} packs = {total} packs, {downloads} packs asked for (ensure) from a server capped at {rate}/s, {frames} frames"
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("manager")
        .enable_all()
        .build()?;
    let data = run.join("data");
    let manager = runtime.block_on(Manager::start(ManagerConfig::new(Paths::under(&data))))?;
    let handle = manager.handle();
    let started = Instant::now();
    for (_, plist) in &site.apps {
        runtime.block_on(handle.register(plist))?;
    }
    println!(
        "registered in {:.2} s; longest publication so far {:.1} ms",
        started.elapsed().as_secs_f64(),
        handle.publish_effort().longest.as_secs_f64() * 1e3
    );
    let backend = Arc::new(ManagerBackend::start(runtime.handle(), handle.clone()));
    let mut window = Window::new(backend.clone());
    wait(&mut window, "every pack in the window", || {
        backend
            .latest()
            .is_some_and(|d| count(&d, |_| true) == total)
    })?;
    for i in 0..downloads {
        let (app, _) = &site.apps[i % apps.min(4)];
        let pack = &site.packs[i % apps.min(4)][i / apps.min(4)];
        runtime.block_on(handle.ensure(app, pack, false))?;
    }
    wait(&mut window, "a download under way", || {
        backend
            .latest()
            .is_some_and(|d| count(&d, |a| matches!(a, Activity::Downloading { .. })) > 0)
    })?;

    let effort = handle.publish_effort();
    let (runtime_cpu, _) = threads("manager");
    let began = Instant::now();
    let times = window.page_through(frames);
    let elapsed = began.elapsed().as_secs_f64();
    let effort = {
        let after = handle.publish_effort();
        (
            after.publications - effort.publications,
            (after.total - effort.total).as_secs_f64(),
            after.longest,
        )
    };
    let runtime_cpu = threads("manager").0.saturating_sub(runtime_cpu) as f64 / 1e9;
    let moving = backend.latest().map_or(0, |d| {
        count(&d, |a| matches!(a, Activity::Downloading { .. }))
    });
    let wall: Vec<f64> = times.iter().map(|t| t.wall).collect();
    let cpu: Vec<f64> = times.iter().map(|t| t.cpu).collect();
    for (what, values) in [("wall", &wall), ("frame thread CPU", &cpu)] {
        let (p50, p95, max) = percentiles(values);
        println!(
            "frame time ({what}), {total} packs, {moving} downloading: p50 {p50:.3} ms, p95 {p95:.3} ms, max {max:.3} ms  {} (p95 <= {FRAME_P95_MS} ms)",
            verdict(p95 <= FRAME_P95_MS)
        );
    }
    let (publications, built, longest) = effort;
    println!(
        "snapshot: {publications} publications in {elapsed:.1} s ({:.1}/s), {:.2} ms each on average to build (wall time on the manager's task), longest {:.2} ms; {:.1}% of the time spent building them",
        publications as f64 / elapsed,
        built * 1e3 / publications.max(1) as f64,
        longest.as_secs_f64() * 1e3,
        built / elapsed * 100.0
    );
    println!(
        "runtime threads (manager, engine, the window's backend tasks) while downloading: {:.1}% of a core",
        runtime_cpu / elapsed * 100.0
    );

    runtime.block_on(handle.pause(Selection::All))?;
    wait(&mut window, "every download paused", || {
        backend
            .latest()
            .is_some_and(|d| count(&d, Activity::is_in_progress) == 0)
    })?;
    window.idle(Duration::from_secs(3));
    let ticks = process_ticks();
    let threads_before = measure::per_thread("");
    let drawn = window.idle(idle);
    let ticks = process_ticks().saturating_sub(ticks);
    let runs = measure::switches_since(&threads_before);
    let percent = ticks as f64 / measure::TICKS_PER_SECOND / idle.as_secs_f64() * 100.0;
    println!(
        "idle (everything paused), {} s: {ticks} ticks of CPU = {percent:.2}% of a core, {drawn} frames drawn, {runs} context switches of its threads  {} (0%)",
        idle.as_secs(),
        verdict(ticks == 0)
    );
    drop(window);
    drop(backend);
    runtime.block_on(manager.shutdown());
    if std::env::var("BENCH_WINDOW").as_deref() == Ok("1") {
        real_window(&bin, &data, idle)?;
    }
    drop(site);
    Ok(())
}

/// Packs in `document` whose activity passes `test`.
fn count(document: &StatusDocument, test: impl Fn(&Activity) -> bool) -> usize {
    document
        .apps
        .iter()
        .flat_map(|a| &a.packs)
        .filter(|p| test(&p.activity))
        .count()
}

/// Runs the window's event loop until `done` (at most 120 s).
fn wait(window: &mut Window, what: &str, done: impl Fn() -> bool) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !done() {
        if Instant::now() > deadline {
            bail!("{what}: not within 120 s");
        }
        window.idle(Duration::from_millis(100));
    }
    eprintln!("== {what}");
    Ok(())
}

/// The real `bgassets` window (eframe, glow) on `data` under `$DISPLAY`: once its CPU settles
/// (no tick in 2 s, or 90 s), its CPU ticks over `idle`, then over the next `idle`.
fn real_window(bin: &Path, data: &Path, idle: Duration) -> anyhow::Result<()> {
    let child = std::process::Command::new(bin)
        .arg("--data-dir")
        .arg(data)
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(data.with_extension("window.log"))?)
        .spawn()
        .context("starting the bgassets window")?;
    let window = site::Running(child);
    let pid = window.0.id();
    let started = Instant::now();
    let mut last = measure::ticks_of(pid).context("the window exited")?;
    loop {
        std::thread::sleep(Duration::from_secs(2));
        let now = measure::ticks_of(pid).context("the window exited")?;
        if now == last || started.elapsed() > Duration::from_secs(90) {
            break;
        }
        last = now;
    }
    let before = measure::ticks_of(pid).context("the window exited")?;
    std::thread::sleep(idle);
    let ticks = measure::ticks_of(pid)
        .context("the window exited")?
        .saturating_sub(before);
    let percent = ticks as f64 / measure::TICKS_PER_SECOND / idle.as_secs_f64() * 100.0;
    println!(
        "real window under Xvfb (eframe, in-process manager, same data dir, settled after {:.0} s), {} s: {ticks} ticks = {percent:.2}% of a core  {} (0%)",
        started.elapsed().as_secs_f64(),
        idle.as_secs(),
        verdict(ticks == 0)
    );
    // The next 10 s: start-up's tail (the manifest check at start, the runtime's blocking
    // threads retiring 10 s after their last task) is over by then.
    let before = measure::ticks_of(pid).context("the window exited")?;
    std::thread::sleep(idle);
    let ticks = measure::ticks_of(pid)
        .context("the window exited")?
        .saturating_sub(before);
    let percent = ticks as f64 / measure::TICKS_PER_SECOND / idle.as_secs_f64() * 100.0;
    println!(
        "real window, the {} s after that ({:.0} s after its start): {ticks} ticks = {percent:.2}% of a core  {} (0%)",
        idle.as_secs(),
        started.elapsed().as_secs_f64(),
        verdict(ticks == 0)
    );
    Ok(())
}
