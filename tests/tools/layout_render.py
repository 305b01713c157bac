#!/usr/bin/env python3
"""layout_render.py - draws a tablet layout file as a PNG: every control
where the file puts it, in its colour, with its text (or, for a display
still waiting for ghostlight, the address that feeds it). The pictures in
the README are made with it; they are drawings of the files, not
screenshots of the apps (which cannot run here).

    layout_render.py LAYOUT OUT.png [--width 1600]

LAYOUT: a TouchOSC Mk1 .touchosc / index.xml or an Open Stage Control
session (read by layouts.py, the same reader the replay test uses).
Needs Pillow (Debian: python3-pil) and DejaVu Sans (fonts-dejavu-core).
"""
import argparse
import os
import sys

from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import layouts  # noqa: E402

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
BG, PANEL, DIM = (16, 16, 16), (30, 30, 30), (110, 110, 110)
TAB_H, GAP = 40, 24
# TouchOSC Mk1's named colours, approximately
NAMED = {"red": (224, 64, 64), "green": (60, 190, 90), "blue": (70, 130, 240),
         "yellow": (240, 190, 40), "purple": (170, 110, 225), "gray": (160, 160, 160),
         "orange": (240, 130, 50), "brown": (160, 100, 50), "pink": (240, 120, 190)}


def rgb(colour):
    if isinstance(colour, str) and colour.startswith("#") and len(colour) == 7:
        return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return NAMED.get(colour, NAMED["gray"])


def shade(c, f):
    return tuple(int(v * f) for v in c)


def font(size, bold=False):
    return ImageFont.truetype(FONT_BOLD if bold else FONT, max(8, int(size)))


def centred(d, rect, text, colour, size, bold=False):
    x, y, w, h = rect
    f = font(size, bold)
    while size > 8 and d.textlength(text, font=f) > w - 6:
        size -= 1
        f = font(size, bold)
    d.text((x + w / 2, y + h / 2), text, fill=colour, font=f, anchor="mm")


def draw_control(d, c, ox, oy):
    x, y, w, h = c.rect
    if w <= 0 or h <= 0:
        return
    r = (ox + x, oy + y, ox + x + w, oy + y + h)
    colour = rgb(c.colour)
    t = c.app_type
    if c.kind == "caption":
        centred(d, (r[0], r[1], w, h), c.text, colour, min(h * 0.45, 18), bold=True)
    elif t == "led":
        d.ellipse(r, fill=shade(colour, 0.35), outline=colour, width=2)
    elif t.startswith("fader") and c.kind == "display":          # a display-only bar
        d.rounded_rectangle(r, 4, fill=PANEL, outline=colour, width=2)
        d.rectangle((r[0] + 3, r[1] + 3, r[0] + 3 + (w - 6) * 0.4, r[3] - 3),
                    fill=shade(colour, 0.7))
    elif t.startswith("fader"):
        d.rounded_rectangle(r, 4, fill=PANEL, outline=colour, width=2)
        if h >= w:                                              # vertical: 60 % up
            top = r[3] - (h - 6) * 0.6
            d.rectangle((r[0] + 3, top, r[2] - 3, r[3] - 3), fill=shade(colour, 0.55))
            d.rectangle((r[0] + 3, top - 3, r[2] - 3, top + 3), fill=colour)
        else:
            right = r[0] + (w - 6) * 0.6
            d.rectangle((r[0] + 3, r[1] + 3, right, r[3] - 3), fill=shade(colour, 0.55))
    elif c.kind == "send":                                      # buttons
        d.rounded_rectangle(r, 8, fill=shade(colour, 0.3), outline=colour, width=3)
        if c.text:
            centred(d, (r[0], r[1], w, h), c.text, (235, 235, 235), min(h * 0.4, 44), True)
    elif c.kind == "display":                                   # text from ghostlight
        d.rounded_rectangle(r, 4, fill=PANEL, outline=shade(colour, 0.6), width=1)
        text = c.text if c.text not in ("", "-") else ""
        if text:
            centred(d, (r[0], r[1], w, h), text, colour, min(h * 0.5, 28))
        else:
            centred(d, (r[0], r[1], w, h), c.listens[0] if c.listens else "", DIM,
                    min(h * 0.35, 13))


def render(path, out, width):
    if path.endswith(".json"):
        controls = layouts.load_osc_session(path)
        app = "Open Stage Control session"
    else:
        _size, controls = layouts.load_touchosc(path)
        app = "TouchOSC Mk1 layout"
    pages = []
    for c in controls:
        if c.page not in pages:
            pages.append(c.page)
    page_w = max(c.rect[0] + c.rect[2] for c in controls) + 8
    page_h = max(c.rect[1] + c.rect[3] for c in controls) + 8
    img = Image.new("RGB", (len(pages) * (page_w + GAP) + GAP, page_h + TAB_H + 2 * GAP + 30), BG)
    d = ImageDraw.Draw(img)
    notes = ["%s: drawn from %s, not a screenshot" % (app, os.path.basename(path))]
    for i, page in enumerate(pages):
        ox, oy = GAP + i * (page_w + GAP), GAP + TAB_H
        d.rectangle((ox, GAP, ox + page_w, GAP + TAB_H - 4), fill=(45, 45, 45))
        centred(d, (ox, GAP, page_w, TAB_H - 4), "page: %s" % page.capitalize(), (220, 220, 220),
                18, True)
        d.rectangle((ox, oy, ox + page_w, oy + page_h), outline=(60, 60, 60))
        for c in controls:
            if c.page == page:
                draw_control(d, c, ox, oy)
    keepalive = [c for c in controls if c.kind == "keepalive"]
    for c in keepalive:
        notes.append("keep-alive: %s every %g s" % (c.sends[0][0], c.interval_s))
    if not keepalive:
        notes.append("keep-alive: none (CONNECT subscribes)")
    d.text((GAP, img.height - GAP - 12), "   ".join(notes), fill=DIM, font=font(16))
    if width and img.width > width:
        img = img.resize((width, int(img.height * width / img.width)), Image.LANCZOS)
    img.save(out, optimize=True)
    print("wrote %s (%dx%d)" % (out, img.width, img.height))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("layout")
    p.add_argument("out")
    p.add_argument("--width", type=int, default=1600)
    a = p.parse_args()
    render(a.layout, a.out, a.width)


if __name__ == "__main__":
    main()
