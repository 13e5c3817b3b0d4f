//! The window's frames, headless, as eframe runs them on the CPU: `logic`, the egui pass and
//! tessellation (everything before the GL upload), timed by wall clock and by the frame
//! thread's own CPU time; and an emulation of eframe's event loop for the idle figure, which
//! runs a frame only when the window asked for one (a repaint request from any thread, or the
//! delay the last frame asked for).

use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use bgassets::gui::state::Remembered;
use bgassets::gui::{Backend, BgAssetsApp};
use egui::{Event, Key, Pos2, RawInput, Rect, Vec2, ViewportId, vec2};

use crate::measure::thread_cpu_ns;

const SIZE: Vec2 = vec2(1280.0, 800.0);

/// One frame's cost.
pub struct FrameTime {
    /// Wall milliseconds.
    pub wall: f64,
    /// The frame thread's CPU milliseconds.
    pub cpu: f64,
}

/// The real window state on a backend, in a headless egui context.
pub struct Window {
    ctx: egui::Context,
    app: BgAssetsApp,
    started: Instant,
    wakes: Receiver<Duration>,
    /// When the window asked to be drawn next, if it did.
    next: Option<Instant>,
}

impl Window {
    /// The window on `backend`, with what a first run remembers.
    pub fn new(backend: Arc<dyn Backend>) -> Self {
        let ctx = egui::Context::default();
        let (wake, wakes) = std::sync::mpsc::channel();
        ctx.set_request_repaint_callback(move |info| {
            let _ = wake.send(info.delay);
        });
        let app = BgAssetsApp::new(&ctx, backend, Remembered::default());
        Self {
            ctx,
            app,
            started: Instant::now(),
            wakes,
            next: None,
        }
    }

    /// The rows in view, as the window last laid them out.
    pub fn visible_rows(&self) -> String {
        format!("{:?}", self.app.state().visible_rows)
    }

    /// Runs one frame with `events`.
    pub fn frame(&mut self, events: Vec<Event>) -> FrameTime {
        let input = RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, SIZE)),
            time: Some(self.started.elapsed().as_secs_f64()),
            events,
            ..RawInput::default()
        };
        let wall = Instant::now();
        let cpu = thread_cpu_ns();
        self.app.logic(&self.ctx);
        let app = &mut self.app;
        let mut output = self.ctx.run_ui(input, |ui| app.show(ui));
        let shapes = std::mem::take(&mut output.shapes);
        let meshes = self.ctx.tessellate(shapes, output.pixels_per_point);
        let time = FrameTime {
            wall: wall.elapsed().as_secs_f64() * 1e3,
            cpu: thread_cpu_ns().saturating_sub(cpu) as f64 / 1e6,
        };
        std::hint::black_box(meshes);
        output.textures_delta.clear();
        let delay = output
            .viewport_output
            .get(&ViewportId::ROOT)
            .map_or(Duration::MAX, |v| v.repaint_delay);
        self.next = Instant::now().checked_add(delay);
        time
    }

    /// Runs `frames` frames paced at 60 a second, paging the selection down through the list
    /// for the first half and back up for the second (each frame moves a page and scrolls).
    pub fn page_through(&mut self, frames: usize) -> Vec<FrameTime> {
        let mut times = Vec::with_capacity(frames);
        let pace = Duration::from_micros(16_667);
        let mut due = Instant::now();
        for frame in 0..frames {
            let key = if frame < frames / 2 {
                Key::PageDown
            } else {
                Key::PageUp
            };
            times.push(self.frame(page(key)));
            if frame % 100 == 99 {
                eprintln!(
                    "  frame {}: rows {} in view",
                    frame + 1,
                    self.visible_rows()
                );
            }
            due += pace;
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
        }
        while self.wakes.try_recv().is_ok() {}
        times
    }

    /// Runs the window for `time` as eframe's event loop would with no input: a frame only
    /// when one was asked for. Returns how many frames ran.
    pub fn idle(&mut self, time: Duration) -> usize {
        let end = Instant::now() + time;
        let mut frames = 0;
        loop {
            let now = Instant::now();
            if self.next.is_some_and(|next| next <= now) {
                self.frame(Vec::new());
                frames += 1;
                continue;
            }
            if now >= end {
                return frames;
            }
            let until = self.next.map_or(end, |next| next.min(end));
            match self
                .wakes
                .recv_timeout(until.saturating_duration_since(now))
            {
                Ok(delay) => {
                    let asked = Instant::now().checked_add(delay);
                    self.next = match (self.next, asked) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return frames,
            }
        }
    }
}

/// A key pressed and released.
fn page(key: Key) -> Vec<Event> {
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
