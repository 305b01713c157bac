#!/usr/bin/env python3
# make_images.py - writes the small PNGs shows/pixelmap.lua maps on its
# matrix: a sunrise gradient (8x8) and a 4-frame arrow sequence (8x8 each).
# Plain zlib + struct, no imaging library: run it again to get the same bytes.
import struct
import zlib
from pathlib import Path

def png(path, w, h, pixels):
    def chunk(tag, data):
        c = struct.pack(">I", len(data)) + tag + data
        return c + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    raw = b"".join(b"\0" + bytes(v for p in pixels[y * w:(y + 1) * w] for v in p) for y in range(h))
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    Path(path).write_bytes(data)

here = Path(__file__).resolve().parent
# sunrise: deep blue at the top to orange at the bottom
sky = [(int(10 + 235 * y / 7), int(20 + 120 * y / 7), int(120 - 110 * y / 7))
       for y in range(8) for x in range(8)]
png(here / "sunrise.png", 8, 8, sky)
# arrow: a white chevron moving right, one column a frame
for f in range(4):
    px = []
    for y in range(8):
        for x in range(8):
            d = abs(y - 3.5)
            on = int(x - f * 2) % 8 == int(4 - d) % 8
            px.append((255, 255, 255) if on else (0, 0, 40))
    png(here / f"arrow{f + 1}.png", 8, 8, px)
