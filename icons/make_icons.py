#!/usr/bin/env python3
"""Draws bgassets' icons as PNG files with nothing but the standard library (zlib + struct).

    python3 icons/make_icons.py      # rewrites icons/bgassets.png, icons/app.png, icons/hicolor/

bgassets.png is also drawn at each hicolor size (16, 32, 48, 64, 128, 256) into
icons/hicolor/NxN/apps/bgassets.png: the same shapes rendered at that size rather than scaled
from the 256-pixel image, so small sizes stay sharp. `bgassets install-desktop` embeds them.

bgassets.png: the window (and tray) icon: a progress ring three quarters full around a
download arrow, on a blue rounded square. app.png: the icon shown for an app that brings none:
four tiles on a slate rounded square. Shapes are signed distance fields, so edges are
anti-aliased; the output is deterministic.
"""

import math
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def png(path, width, height, pixels):
    """Writes RGBA `pixels` (rows of (r, g, b, a) tuples, 0..255) as an 8-bit PNG."""
    raw = bytearray()
    for row in pixels:
        raw.append(0)  # filter: none
        for r, g, b, a in row:
            raw += bytes((r, g, b, a))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
    data += chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


def rounded_box(x, y, cx, cy, half, radius):
    """Signed distance to a rounded square centred at (cx, cy)."""
    qx = abs(x - cx) - half + radius
    qy = abs(y - cy) - half + radius
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    return outside + min(max(qx, qy), 0.0) - radius


def arc(x, y, cx, cy, radius, width, start, sweep):
    """Signed distance to a ring arc from `start` sweeping `sweep` radians (round caps)."""
    angle = math.atan2(y - cy, x - cx)
    rel = (angle - start) % (2 * math.pi)
    if rel <= sweep:
        return abs(math.hypot(x - cx, y - cy) - radius) - width / 2
    ends = [start, start + sweep]
    return min(
        math.hypot(x - (cx + radius * math.cos(a)), y - (cy + radius * math.sin(a))) for a in ends
    ) - width / 2


def triangle(x, y, a, b, c):
    """Signed distance to the triangle abc (negative inside)."""
    def edge(p, q):
        ex, ey = q[0] - p[0], q[1] - p[1]
        wx, wy = x - p[0], y - p[1]
        t = max(0.0, min(1.0, (wx * ex + wy * ey) / (ex * ex + ey * ey)))
        return math.hypot(wx - ex * t, wy - ey * t), ex * wy - ey * wx

    d = [edge(a, b), edge(b, c), edge(c, a)]
    dist = min(e[0] for e in d)
    inside = all(e[1] >= 0 for e in d) or all(e[1] <= 0 for e in d)
    return -dist if inside else dist


def box(x, y, x0, y0, x1, y1):
    """Signed distance to an axis-aligned rectangle."""
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    qx, qy = abs(x - cx) - (x1 - x0) / 2, abs(y - cy) - (y1 - y0) / 2
    return math.hypot(max(qx, 0.0), max(qy, 0.0)) + min(max(qx, qy), 0.0)


def cover(distance):
    return max(0.0, min(1.0, 0.5 - distance))


def over(dst, color, alpha):
    """`color` with coverage `alpha` over `dst` (premultiplied-free, straight alpha)."""
    r, g, b, a = dst
    out_a = alpha + a * (1 - alpha)
    if out_a == 0:
        return (0.0, 0.0, 0.0, 0.0)
    mix = lambda s, d: (s * alpha + d * a * (1 - alpha)) / out_a
    return (mix(color[0], r), mix(color[1], g), mix(color[2], b), out_a)


def render(size, layers):
    """`layers(x, y)` yields (rgb, coverage) from bottom to top for each pixel centre."""
    rows = []
    for j in range(size):
        row = []
        for i in range(size):
            pixel = (0.0, 0.0, 0.0, 0.0)
            for color, alpha in layers(i + 0.5, j + 0.5):
                if alpha > 0:
                    pixel = over(pixel, color, alpha)
            row.append(tuple(int(round(c * 255)) for c in pixel))
        rows.append(row)
    return rows


def lerp(a, b, t):
    return tuple(x + (y - x) * t for x, y in zip(a, b))


def bgassets_icon(size=256):
    s = size / 256
    top, bottom = (0.23, 0.51, 0.96), (0.31, 0.27, 0.90)
    white = (1.0, 1.0, 1.0)

    def layers(x, y):
        yield lerp(top, bottom, y / size), cover(rounded_box(x, y, 128 * s, 128 * s, 120 * s, 48 * s))
        c = 128 * s
        yield white, 0.3 * cover(arc(x, y, c, c, 78 * s, 18 * s, 0, 2 * math.pi))
        yield white, cover(arc(x, y, c, c, 78 * s, 18 * s, -math.pi / 2, 1.5 * math.pi))
        shaft = box(x, y, 117 * s, 80 * s, 139 * s, 140 * s)
        head = triangle(x, y, (92 * s, 128 * s), (164 * s, 128 * s), (128 * s, 170 * s))
        yield white, cover(min(shaft, head))

    return render(size, layers)


def app_icon(size=128):
    s = size / 128
    top, bottom = (0.45, 0.52, 0.62), (0.28, 0.33, 0.42)
    tiles = [(0.98, 0.75, 0.24), (0.30, 0.80, 0.55), (0.38, 0.65, 0.98), (0.94, 0.45, 0.45)]

    def layers(x, y):
        yield lerp(top, bottom, y / size), cover(rounded_box(x, y, 64 * s, 64 * s, 60 * s, 24 * s))
        for k, color in enumerate(tiles):
            cx = (44 if k % 2 == 0 else 84) * s
            cy = (44 if k < 2 else 84) * s
            yield color, cover(rounded_box(x, y, cx, cy, 16 * s, 6 * s))

    return render(size, layers)


HICOLOR_SIZES = (16, 32, 48, 64, 128, 256)


def main():
    png(os.path.join(HERE, "bgassets.png"), 256, 256, bgassets_icon())
    png(os.path.join(HERE, "app.png"), 128, 128, app_icon())
    for size in HICOLOR_SIZES:
        folder = os.path.join(HERE, "hicolor", f"{size}x{size}", "apps")
        os.makedirs(folder, exist_ok=True)
        png(os.path.join(folder, "bgassets.png"), size, size, bgassets_icon(size))


if __name__ == "__main__":
    main()
