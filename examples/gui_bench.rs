//! Frame time of the desktop window with 10,000 packs, headless: the window is drawn on a fixture
//! backend while the selection pages through the list (Page Down, then Page Up) and the list
//! scrolls with it, and the time of each frame is measured (the egui pass
//! plus tessellation, i.e. everything eframe does on the CPU before handing triangles to GL),
//! with the process's CPU time over the run as a cross-check.
//! A second run goes through egui_kittest, which also builds the AccessKit tree each frame.
//!
//!     cargo run --release --example gui_bench [PACKS] [FRAMES]
//!
//! Prints p50 / p95 / max milliseconds per frame. The target is p95 under 4 ms (release build).

use std::sync::Arc;
use std::time::Instant;

use bgassets::gui::BgAssetsApp;
use bgassets::gui::fixture::{self, FixtureBackend};
use bgassets::gui::state::Remembered;
use egui::{Event, Key, Pos2, RawInput, Rect, Vec2, vec2};

const SIZE: Vec2 = vec2(1280.0, 800.0);

fn main() {
    let mut args = std::env::args().skip(1);
    let packs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let frames: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(600);
    let backend = Arc::new(FixtureBackend::new(Some(fixture::many_packs(packs))));
    println!("gui_bench: {packs} packs, {frames} frames, {SIZE:?} points");

    let cpu = process_cpu_ms();
    let times = plain_frames(backend.clone(), frames);
    report("egui pass + tessellation", &times);
    if let (Some(before), Some(after)) = (cpu, process_cpu_ms()) {
        let mean = (after - before) / (frames + 10) as f64;
        println!("  process CPU over the run: {mean:.3} ms per frame on average");
    }
    let times = kittest_frames(backend, frames);
    report("egui_kittest step (with AccessKit)", &times);
}

/// Frames on a bare egui context, as eframe runs them (without the GL upload).
fn plain_frames(backend: Arc<FixtureBackend>, frames: usize) -> Vec<f64> {
    let ctx = egui::Context::default();
    let mut app = BgAssetsApp::new(&ctx, backend, Remembered::default());
    let mut times = Vec::with_capacity(frames);
    for frame in 0..frames + 10 {
        let mut input = RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, SIZE)),
            time: Some(frame as f64 / 60.0),
            ..RawInput::default()
        };
        input.events = scroll_events(frame, frames);
        let start = CpuClock::now();
        let mut output = ctx.run_ui(input, |ui| app.show(ui));
        let shapes = std::mem::take(&mut output.shapes);
        let meshes = ctx.tessellate(shapes, output.pixels_per_point);
        let elapsed = start.elapsed_ms();
        std::hint::black_box(meshes);
        // The renderer would upload these; here they are dropped.
        output.textures_delta.clear();
        if frame >= 10 {
            times.push(elapsed);
        }
        if frame % 100 == 99 {
            println!(
                "  frame {}: rows {:?} in view",
                frame + 1,
                app.state().visible_rows
            );
        }
    }
    times
}

/// The same frames through egui_kittest's harness.
fn kittest_frames(backend: Arc<FixtureBackend>, frames: usize) -> Vec<f64> {
    let mut harness = egui_kittest::Harness::builder()
        .with_size(SIZE)
        .build_ui_state(
            move |ui, app: &mut Option<BgAssetsApp>| {
                app.get_or_insert_with(|| {
                    BgAssetsApp::new(ui.ctx(), backend.clone(), Remembered::default())
                })
                .show(ui);
            },
            None,
        );
    let mut times = Vec::with_capacity(frames);
    for frame in 0..frames + 10 {
        for event in scroll_events(frame, frames) {
            harness.event(event);
        }
        let start = CpuClock::now();
        harness.step();
        let elapsed = start.elapsed_ms();
        if frame >= 10 {
            times.push(elapsed);
        }
    }
    times
}

/// Page Down for the first half of the frames, then Page Up: each frame moves the selection a
/// page and scrolls the list to it, so every frame lays out rows it has not shown before.
fn scroll_events(frame: usize, frames: usize) -> Vec<Event> {
    let key = if frame < frames / 2 {
        Key::PageDown
    } else {
        Key::PageUp
    };
    [true, false]
        .into_iter()
        .map(|pressed| Event::Key {
            key,
            physical_key: None,
            pressed,
            repeat: false,
            modifiers: egui::Modifiers::NONE,
        })
        .collect()
}

fn report(what: &str, times: &[f64]) {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    println!(
        "{what}: p50 {:.3} ms, p95 {:.3} ms, max {:.3} ms per frame",
        at(0.5),
        at(0.95),
        at(1.0)
    );
}

/// Per-frame wall time (the frame runs on one thread and does no I/O, so on an otherwise idle
/// core it is its CPU time), plus the process's CPU ticks to cross-check the average.
struct CpuClock {
    wall: Instant,
}

impl CpuClock {
    fn now() -> Self {
        Self {
            wall: Instant::now(),
        }
    }

    fn elapsed_ms(&self) -> f64 {
        self.wall.elapsed().as_secs_f64() * 1e3
    }
}

/// This process's user + system CPU time in milliseconds (Linux `/proc/self/stat`, in clock
/// ticks of 10 ms), if available.
fn process_cpu_ms() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) * 10.0)
}
