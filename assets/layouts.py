#!/usr/bin/env python3
"""layouts.py - the tablet layouts, described once and written for both apps:

  assets/touchosc/index.xml           TouchOSC Mk1 (the build zips it into
                                      ghostlight.touchosc)
  assets/ghostlight.osc-session.json  Open Stage Control 1.x

    assets/layouts.py           rewrite both files from the description below
    assets/layouts.py --check   exit 1 if a committed file differs from it
                                (CTest: tree_layouts)

Both layouts show the same controls on the same addresses: page "Show"
(GO / BACK / STOP / PANIC, active and standby cue, fade progress, show and
list state, a link counter, 8 faders with their names, grand master,
blackout) and page "Fixtures" (intensity and red / green / blue of fixtures
1-8, CLEAR). Whether every address is one ghostlight accepts or sends is
checked against `ghostlight help osc-addresses` by tests/tools/layouts.py;
the integration test layout_replay plays both files against a real
ghostlight.

What the two apps can and cannot do shapes the differences:
- TouchOSC Mk1 gives a control one OSC address, for sending and receiving
  alike. ghostlight sends fader and grand master levels on /gl/out/... and
  again on /gl/fader/N and /gl/gm, so a Mk1 fader follows the console; a
  readout label under it shows the level as a number. Mk1 has no timers or scripts: the layout
  cannot renew its subscription on its own (see the README: CONNECT,
  `timeout`, `remotes`).
- Open Stage Control 1.x has no `label` on text and fader widgets (captions
  are text widgets here), and scripts: a `variable` widget on
  /gl/out/fader/N moves fader N without sending, and a `script` widget
  renews the subscription every KEEPALIVE_MS while the session is open.

Geometry is in display pixels of a 1024 x 768 landscape tablet, below a
40 px toolbar. Mk1 stores a landscape layout rotated (orientation
"vertical": x along the device's short side, measured from the bottom of
the display; see to_mk1()), names and addresses base64-encoded.

Plain Python 3 standard library.
"""
import base64
import json
import os
import sys
from xml.sax.saxutils import quoteattr

HERE = os.path.dirname(os.path.abspath(__file__))
TOUCHOSC_XML = os.path.join(HERE, "touchosc", "index.xml")
OSC_SESSION = os.path.join(HERE, "ghostlight.osc-session.json")

WIDTH, HEIGHT, TOOLBAR = 1024, 768, 40     # Mk1 mode 1 (iPad), landscape
TABLET_PORT = 9000          # TouchOSC's "Port (incoming)": /gl/subscribe 9000
KEEPALIVE_MS = 3000         # Open Stage Control: a third of ghostlight's 10 s timeout
OSC_VERSION = "1.26.2"      # the Open Stage Control this session was written for

# Colours: green = live/active, amber = standby/next, red = panic/blackout
# (DESIGN.md); Mk1 offers named colours only.
MK1_COLOURS = {"green": "green", "amber": "yellow", "red": "red", "blue": "blue",
               "gray": "gray", "orange": "orange", "purple": "purple"}
CSS_COLOURS = {"green": "#30c050", "amber": "#f0b020", "red": "#e04040", "blue": "#4080f0",
               "gray": "#a0a0a0", "orange": "#f08030", "purple": "#b070e0"}


def control(kind, name, x, y, w, h, address=None, colour="gray", text="", size=16, **extra):
    """One control. kind: button (sends `value` on press), fader (sends its
    level; `follow`: the feedback address that shows the console's value),
    display (shows what arrives on `address`: text, or `as_led`/`as_bar`
    0..1), caption (static `text`), keepalive (sends `address` every
    KEEPALIVE_MS, where the app can)."""
    c = dict(kind=kind, name=name, x=x, y=y, w=w, h=h, address=address, colour=colour,
             text=text, size=size)
    c.update(extra)
    return c


def show_page():
    page = [
        control("display", "show", 8, 8, 300, 40, "/gl/out/show", "gray", "show", 18),
        control("display", "list", 316, 8, 170, 40, "/gl/out/list/1/name", "gray", "list", 18),
        control("display", "state", 494, 8, 130, 40, "/gl/out/list/1/state", "gray", "state", 18),
        control("caption", "cap_link", 632, 8, 52, 40, colour="gray", text="Link", size=14),
        control("display", "link", 684, 8, 72, 40, "/gl/out/heartbeat", "green", "-", 16),
        control("button", "connect", 764, 8, 124, 40, "/gl/subscribe", "gray", "CONNECT",
                value=float(TABLET_PORT), mk1_only=True),
        control("button", "refresh", 896, 8, 120, 40, "/gl/refresh", "gray", "REFRESH", value=1.0),
        control("keepalive", "keepalive", 0, 0, 0, 0, "/gl/subscribe"),

        control("caption", "cap_active", 8, 56, 90, 24, colour="green", text="ACTIVE", size=14),
        control("display", "active_n", 8, 80, 90, 56, "/gl/out/list/1/active/number", "green", "-", 28),
        control("display", "active", 106, 56, 520, 80, "/gl/out/list/1/active/label", "green", "", 30),
        control("caption", "cap_next", 8, 144, 90, 20, colour="amber", text="NEXT", size=14),
        control("display", "standby_n", 8, 164, 90, 44, "/gl/out/list/1/standby/number", "amber", "-", 22),
        control("display", "standby", 106, 144, 520, 64, "/gl/out/list/1/standby/label", "amber", "", 24),
        control("caption", "cap_fade", 8, 216, 90, 32, colour="blue", text="FADE", size=14),
        control("display", "progress", 106, 216, 450, 32, "/gl/out/list/1/progress", "blue", "",
                16, as_bar=True),
        control("display", "progress_led", 564, 216, 32, 32, "/gl/out/list/1/progress", "blue",
                as_led=True),
        control("display", "error", 8, 256, 620, 32, "/gl/out/error", "red", "", 14),

        control("button", "go", 640, 56, 376, 150, "/gl/go", "green", "GO", 48, value=1.0),
        control("button", "back", 640, 214, 120, 74, "/gl/back", "amber", "BACK", 20, value=1.0),
        control("button", "stop", 768, 214, 120, 74, "/gl/stop", "orange", "STOP", 20, value=1.0),
        control("button", "panic", 896, 214, 120, 74, "/gl/panic", "red", "PANIC", 20, value=1.0),
    ]
    top, fader_h = 300, 340
    for i in range(8):
        n, x = i + 1, 8 + i * 90
        page += [
            control("display", "fader%d_name" % n, x, top, 82, 28, "/gl/out/fader/%d/label" % n,
                    "orange", "F%d" % n, 14),
            control("fader", "fader%d" % n, x, top + 32, 82, fader_h, "/gl/fader/%d" % n, "orange",
                    follow="/gl/out/fader/%d" % n),
        ]
    x = 8 + 8 * 90 + 12
    page += [
        control("caption", "cap_gm", x, top, 82, 28, colour="purple", text="GM", size=14),
        control("fader", "gm", x, top + 32, 82, fader_h, "/gl/gm", "purple", follow="/gl/out/gm"),
        control("button", "blackout", 840, top + 32, 176, 120, "/gl/blackout", "red", "BLACKOUT",
                20, value=1.0),
        control("display", "blackout_led", 912, top + 160, 32, 32, "/gl/out/blackout", "red",
                as_led=True),
        control("button", "restore", 840, top + 200, 176, 100, "/gl/blackout", "gray", "RESTORE",
                18, value=0.0),
    ]
    return page


def fixtures_page():
    page = []
    for i in range(8):
        n, x = i + 1, 8 + i * 126
        page += [
            control("caption", "fx%d_cap" % n, x, 8, 118, 28, colour="gray",
                    text="Fixture %d" % n, size=14),
            control("fader", "fx%d_int" % n, x, 40, 118, 300, "/gl/fixture/%d/intensity" % n,
                    "orange"),
        ]
        for k, (attr, colour) in enumerate((("red", "red"), ("green", "green"),
                                            ("blue", "blue"))):
            page.append(control("fader", "fx%d_%s" % (n, attr), x + k * 40, 350, 38, 220,
                                "/gl/fixture/%d/%s" % (n, attr), colour))
    page += [
        control("button", "clear", 8, 590, 300, 110, "/gl/clear", "red", "CLEAR", 24, value=1.0),
        control("caption", "cap_clear", 320, 590, 696, 110, colour="gray", size=14,
                text="Fixture levels sit above every cue until CLEAR"),
    ]
    return page


PAGES = [("Show", show_page()), ("Fixtures", fixtures_page())]


# ---- TouchOSC Mk1 -----------------------------------------------------------------

def b64(text):
    return base64.b64encode(text.encode()).decode()


def to_mk1(x, y, w, h):
    """Display rectangle (below the toolbar) -> Mk1's stored one. A landscape
    Mk1 layout (orientation "vertical") is stored in the device's portrait
    frame: stored x runs up the display from its bottom edge, stored y along
    it from the left; width and height swap."""
    return HEIGHT - (y + TOOLBAR) - h, x, h, w


def mk1_control(c):
    sx, sy, sw, sh = to_mk1(c["x"], c["y"], c["w"], c["h"])
    a = [("name", b64(c["name"])), ("x", sx), ("y", sy), ("w", sw), ("h", sh),
         ("color", MK1_COLOURS[c["colour"]])]
    kind = c["kind"]
    if kind == "button":
        # sends scalet on press, nothing on release
        a += [("scalef", "0.0"), ("scalet", "%.1f" % c["value"]), ("type", "push"),
              ("osc_cs", b64(c["address"])), ("local_off", "false"), ("sp", "true"),
              ("sr", "false")]
        out = [a]
        out.append([("name", b64(c["name"] + "_text")), ("x", sx), ("y", sy), ("w", sw),
                    ("h", sh), ("color", MK1_COLOURS[c["colour"]]), ("type", "labelv"),
                    ("text", b64(c["text"])), ("size", c["size"]), ("background", "false"),
                    ("outline", "false")])
        return out
    if kind == "fader":
        # a display-vertical fader is a stored horizontal one
        a += [("scalef", "0.0"), ("scalet", "1.0"), ("type", "faderh"),
              ("osc_cs", b64(c["address"])), ("response", "absolute"), ("inverted", "false"),
              ("centered", "false")]
        out = [a]
        if c.get("follow"):
            # one address per control in Mk1: the console's level in a readout
            rx, ry, rw, rh = to_mk1(c["x"], c["y"] + c["h"] + 4, c["w"], 28)
            out.append([("name", b64(c["name"] + "_level")), ("x", rx), ("y", ry), ("w", rw),
                        ("h", rh), ("color", MK1_COLOURS[c["colour"]]), ("type", "labelv"),
                        ("osc_cs", b64(c["follow"])), ("text", b64("-")), ("size", 14),
                        ("background", "true"), ("outline", "false")])
        return out
    if kind == "display" and c.get("as_led"):
        a += [("scalef", "0.0"), ("scalet", "1.0"), ("type", "led"),
              ("osc_cs", b64(c["address"]))]
        return [a]
    if kind in ("display", "caption"):
        a += [("type", "labelv")]
        if kind == "display":
            a.append(("osc_cs", b64(c["address"])))
        a += [("text", b64(c["text"])), ("size", c["size"]),
              ("background", "true" if kind == "display" else "false"), ("outline", "false")]
        return [a]
    return []          # keepalive: Mk1 has no timers


def touchosc_xml():
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<layout version="17" mode="1" orientation="vertical">']
    for title, controls in PAGES:
        lines.append('<tabpage name=%s scalef="0.0" scalet="1.0" li_t=%s li_c="gray" li_s="14" '
                     'li_o="false" li_b="false" la_t=%s la_c="gray" la_s="14" la_o="false" '
                     'la_b="false">' % (quoteattr(b64(title.lower())), quoteattr(b64(title)),
                                        quoteattr(b64(title))))
        for c in controls:
            for attrs in mk1_control(c):
                lines.append("<control %s></control>" %
                             " ".join("%s=%s" % (k, quoteattr(str(v))) for k, v in attrs))
        lines.append("</tabpage>")
    lines.append("</layout>")
    return "\n".join(lines) + "\n"


# ---- Open Stage Control 1.x --------------------------------------------------------

def osc_widget(c):
    colour = CSS_COLOURS[c["colour"]]
    geo = {"left": c["x"], "top": c["y"], "width": c["w"], "height": c["h"]}
    kind = c["kind"]
    if kind == "button":
        if c.get("mk1_only"):
            return []       # the session subscribes by itself (keepalive)
        return [dict(type="button", id=c["name"], **geo, colorWidget=colour, label=c["text"],
                     mode="tap", on=c["value"], off=1.0 if c["value"] == 0 else 0.0,
                     address=c["address"], css="font-size: %dpx;" % c["size"])]
    if kind == "fader":
        out = [dict(type="fader", id=c["name"], **geo, colorWidget=colour, design="compact",
                    range={"min": 0, "max": 1}, address=c["address"])]
        if c.get("follow"):
            # moves the fader to the console's level without sending it back
            out.append(dict(type="variable", id=c["name"] + "_follow", address=c["follow"],
                            onValue="set('%s', value, {send: false})" % c["name"]))
        return out
    if kind == "display" and c.get("as_led"):
        return [dict(type="led", id=c["name"], **geo, colorWidget=colour,
                     range={"min": 0, "max": 1}, address=c["address"])]
    if kind == "display" and c.get("as_bar"):
        return [dict(type="fader", id=c["name"], **geo, colorWidget=colour, design="compact",
                     horizontal=True, interaction=False, bypass=True,
                     range={"min": 0, "max": 1}, address=c["address"])]
    if kind == "display":
        return [dict(type="text", id=c["name"], **geo, colorWidget=colour, colorText=colour,
                     default=c["text"], address=c["address"],
                     css="font-size: %dpx;" % c["size"])]
    if kind == "caption":
        # no address of ghostlight's: the id's own (/caption_...)
        return [dict(type="text", id="caption_" + c["name"], **geo, colorText=colour,
                     default=c["text"], css="font-size: %dpx;" % c["size"])]
    if kind == "keepalive":
        # renews the subscription while the session is open; replies go to
        # the port Open Stage Control sends from (its --osc-port)
        return [dict(type="script", id=c["name"],
                     comments="renews ghostlight's subscription (timeout 10 s)",
                     onCreate="send('%s')\nsetInterval(function () { send('%s') }, %d)"
                              % (c["address"], c["address"], KEEPALIVE_MS))]
    raise ValueError(kind)


def osc_session():
    tabs = []
    for title, controls in PAGES:
        widgets = [w for c in controls for w in osc_widget(c)]
        tabs.append(dict(type="tab", id="tab_" + title.lower(), label=title, widgets=widgets))
    root = dict(type="root", id="root", colorBg="#101010", tabs=tabs)
    session = {"createdWith": "Open Stage Control", "version": OSC_VERSION, "type": "session",
               "content": root}
    return json.dumps(session, indent=1) + "\n"


def main():
    files = [(TOUCHOSC_XML, touchosc_xml()), (OSC_SESSION, osc_session())]
    check = sys.argv[1:] == ["--check"]
    stale = []
    for path, text in files:
        old = open(path).read() if os.path.exists(path) else None
        if old == text:
            continue
        if check:
            stale.append(path)
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
            print("wrote " + os.path.relpath(path))
    if stale:
        print("not what assets/layouts.py writes (run it and commit): " + ", ".join(stale))
        sys.exit(1)


if __name__ == "__main__":
    main()
