//! The tray icon's pixels: the bgassets icon, with the aggregate progress of every active
//! download drawn around it as a ring (a grey track, a blue arc clockwise from twelve o'clock).
//! Pure: [`ring_icon`] depends only on its arguments and the icon compiled into the binary.

use std::sync::OnceLock;

use crate::gui::icons::WINDOW_PNG;

/// The sizes (in pixels, square) the tray item offers; the host picks the best fit.
pub const SIZES: [u32; 2] = [22, 48];

/// The largest size drawn: more is refused (a 1024×1024 icon is already 4 MiB).
pub const MAX_SIZE: u32 = 1024;

/// The ring's arc colour (RGB).
const ARC: [u8; 3] = [0x2f, 0x80, 0xed];
/// The ring's track colour (RGB) and opacity.
const TRACK: [u8; 3] = [0x60, 0x60, 0x60];
const TRACK_ALPHA: f32 = 0.55;

/// The icon at `size`×`size` as ARGB32 (per pixel: alpha, red, green, blue; rows from the
/// top), as StatusNotifierItem's `IconPixmap` carries it. With `Some(progress)` (0.0..=1.0,
/// clamped; NaN counts as 0) the ring shows it; with `None` the plain icon. A size of 0 or
/// above [`MAX_SIZE`] gives an empty image.
pub fn ring_icon(progress: Option<f32>, size: u32) -> Vec<u8> {
    if size == 0 || size > MAX_SIZE {
        return Vec::new();
    }
    let n = size as usize;
    // The icon fills the square alone, and shrinks inside the ring when there is one.
    let mut rgba = scaled_base(size, if progress.is_some() { 0.62 } else { 1.0 });
    if let Some(progress) = progress {
        let progress = if progress.is_nan() {
            0.0
        } else {
            progress.clamp(0.0, 1.0)
        };
        draw_ring(&mut rgba, n, progress);
    }
    let mut argb = Vec::with_capacity(n * n * 4);
    for pixel in rgba.chunks_exact(4) {
        argb.extend_from_slice(&[pixel[3], pixel[0], pixel[1], pixel[2]]);
    }
    argb
}

/// The embedded icon, decoded once: (side, RGBA).
fn base() -> &'static (usize, Vec<u8>) {
    static BASE: OnceLock<(usize, Vec<u8>)> = OnceLock::new();
    BASE.get_or_init(|| match eframe::icon_data::from_png_bytes(WINDOW_PNG) {
        Ok(icon) if icon.width == icon.height && icon.width > 0 => (icon.width as usize, icon.rgba),
        // The icon is compiled in and tested; should it not decode, the ring alone is drawn.
        _ => (1, vec![0, 0, 0, 0]),
    })
}

/// The base icon shrunk to `fraction` of `size` (box filter over the source pixels each target
/// covers), centred.
fn scaled_base(size: u32, fraction: f64) -> Vec<u8> {
    let (side, source) = base();
    let n = size as usize;
    let mut out = vec![0u8; n * n * 4];
    let inner = n as f64 * fraction;
    let inset = (n as f64 - inner) / 2.0;
    for y in 0..n {
        for x in 0..n {
            let (fx, fy) = (x as f64 + 0.5 - inset, y as f64 + 0.5 - inset);
            if fx < 0.0 || fy < 0.0 || fx >= inner || fy >= inner {
                continue;
            }
            let scale = *side as f64 / inner;
            let (x0, y0) = ((fx - 0.5) * scale, (fy - 0.5) * scale);
            let (x1, y1) = ((fx + 0.5) * scale, (fy + 0.5) * scale);
            let sum = box_average(source, *side, x0, y0, x1, y1);
            out[(y * n + x) * 4..(y * n + x) * 4 + 4].copy_from_slice(&sum);
        }
    }
    out
}

/// The average RGBA (alpha-weighted colour) of the source pixels in the box.
fn box_average(source: &[u8], side: usize, x0: f64, y0: f64, x1: f64, y1: f64) -> [u8; 4] {
    let clampi = |v: f64| (v.max(0.0) as usize).min(side - 1);
    let (xa, ya, xb, yb) = (clampi(x0), clampi(y0), clampi(x1), clampi(y1));
    let (mut r, mut g, mut b, mut a, mut count) = (0u64, 0u64, 0u64, 0u64, 0u64);
    for sy in ya..=yb {
        for sx in xa..=xb {
            let i = (sy * side + sx) * 4;
            let Some(p) = source.get(i..i + 4) else {
                continue;
            };
            let alpha = u64::from(p[3]);
            r += u64::from(p[0]) * alpha;
            g += u64::from(p[1]) * alpha;
            b += u64::from(p[2]) * alpha;
            a += alpha;
            count += 1;
        }
    }
    if a == 0 || count == 0 {
        return [0, 0, 0, 0];
    }
    [
        (r / a) as u8,
        (g / a) as u8,
        (b / a) as u8,
        (a / count) as u8,
    ]
}

/// Draws the track and the arc over `rgba` (`n`×`n`), antialiased by distance to the ring.
fn draw_ring(rgba: &mut [u8], n: usize, progress: f32) {
    let centre = n as f32 / 2.0;
    let thickness = (n as f32 / 8.0).max(2.0);
    let radius = centre - thickness / 2.0 - 0.5;
    for y in 0..n {
        for x in 0..n {
            let (dx, dy) = (x as f32 + 0.5 - centre, y as f32 + 0.5 - centre);
            let distance = (dx * dx + dy * dy).sqrt();
            let coverage = (thickness / 2.0 + 0.5 - (distance - radius).abs()).clamp(0.0, 1.0);
            if coverage <= 0.0 {
                continue;
            }
            // Clockwise from twelve o'clock, in turns (0.0..1.0).
            let turn = (dx.atan2(-dy) / std::f32::consts::TAU).rem_euclid(1.0);
            let (colour, alpha) = if turn < progress {
                (ARC, coverage)
            } else {
                (TRACK, coverage * TRACK_ALPHA)
            };
            blend(
                &mut rgba[(y * n + x) * 4..(y * n + x) * 4 + 4],
                colour,
                alpha,
            );
        }
    }
}

/// Paints `colour` at opacity `alpha` over one RGBA pixel.
fn blend(pixel: &mut [u8], colour: [u8; 3], alpha: f32) {
    let below = f32::from(pixel[3]) / 255.0;
    let out_alpha = alpha + below * (1.0 - alpha);
    if out_alpha <= 0.0 {
        return;
    }
    for c in 0..3 {
        let top = f32::from(colour[c]) * alpha;
        let under = f32::from(pixel[c]) * below * (1.0 - alpha);
        pixel[c] = ((top + under) / out_alpha).round().clamp(0.0, 255.0) as u8;
    }
    pixel[3] = (out_alpha * 255.0).round().clamp(0.0, 255.0) as u8;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ARGB pixel at (x, y) of an `n`-sided icon.
    fn at(icon: &[u8], n: usize, x: usize, y: usize) -> [u8; 4] {
        let i = (y * n + x) * 4;
        [icon[i], icon[i + 1], icon[i + 2], icon[i + 3]]
    }

    fn is_arc(pixel: [u8; 4]) -> bool {
        pixel[0] > 200 && pixel[3] > 200 && pixel[1] < 100
    }

    #[test]
    fn the_icon_is_argb32_of_the_asked_size() {
        for size in [16, 22, 48] {
            assert_eq!(ring_icon(None, size).len(), (size * size * 4) as usize);
            assert_eq!(ring_icon(Some(0.5), size).len(), (size * size * 4) as usize);
        }
        assert!(ring_icon(Some(0.5), 0).is_empty());
        assert!(ring_icon(Some(0.5), MAX_SIZE + 1).is_empty());
    }

    #[test]
    fn the_plain_icon_fills_the_square_and_a_ring_shrinks_it_inside() {
        let bluish = |p: [u8; 4]| p[0] > 200 && p[3] > p[1].saturating_add(60);
        let greyish = |p: [u8; 4]| p[0] > 50 && p[1].abs_diff(p[3]) < 30;
        let plain = ring_icon(None, 48);
        let body = at(&plain, 48, 12, 12);
        assert!(bluish(body), "the icon's body: {body:?}");
        let top = at(&plain, 48, 24, 4);
        assert!(bluish(top), "the plain icon reaches near the edge: {top:?}");
        let ringed = ring_icon(Some(0.0), 48);
        let top = at(&ringed, 48, 24, 4);
        assert!(greyish(top), "there the ring's track instead: {top:?}");
        let body = at(&ringed, 48, 17, 17);
        assert!(bluish(body), "the icon inside the ring: {body:?}");
    }

    #[test]
    fn the_arc_grows_clockwise_from_twelve_o_clock() {
        let n = 48;
        // Points on the ring: top (0 turns), right (1/4), bottom (1/2), left (3/4).
        let (top, right, bottom, left) = ((24, 3), (44, 24), (24, 44), (3, 24));
        let quarter = ring_icon(Some(0.3), n as u32);
        assert!(
            is_arc(at(&quarter, n, top.0 + 1, top.1)),
            "just after twelve"
        );
        assert!(is_arc(at(&quarter, n, right.0, right.1)), "three o'clock");
        assert!(
            !is_arc(at(&quarter, n, bottom.0, bottom.1)),
            "six o'clock not yet"
        );
        assert!(
            !is_arc(at(&quarter, n, left.0, left.1)),
            "nine o'clock not yet"
        );
        assert!(at(&quarter, n, left.0, left.1)[0] > 0, "the track is drawn");
        let full = ring_icon(Some(1.0), n as u32);
        for (x, y) in [right, bottom, left] {
            assert!(is_arc(at(&full, n, x, y)), "a full ring at ({x}, {y})");
        }
        let none = ring_icon(Some(0.0), n as u32);
        assert!(!is_arc(at(&none, n, right.0, right.1)));
    }

    #[test]
    fn progress_out_of_range_is_clamped() {
        assert_eq!(ring_icon(Some(7.0), 22), ring_icon(Some(1.0), 22));
        assert_eq!(ring_icon(Some(-1.0), 22), ring_icon(Some(0.0), 22));
        assert_eq!(ring_icon(Some(f32::NAN), 22), ring_icon(Some(0.0), 22));
        assert_ne!(ring_icon(Some(0.25), 22), ring_icon(Some(0.75), 22));
    }
}
