#!/usr/bin/env python3
"""layouts.py - reads the tablet layout files as the apps would and checks
them against the OSC address table of the ghostlight that will play them.

    layouts.py check GHOSTLIGHT LAYOUT...

LAYOUT: a TouchOSC Mk1 file (.touchosc zip, or its index.xml) or an Open
Stage Control session (.json). Prints every control with what it sends and
where it listens; exits 1 when a control sends to an address ghostlight
does not accept, listens on one it never sends, or a display control sends.
The table is `GHOSTLIGHT help osc-addresses` (the dispatcher's own), so the
layouts cannot drift from the addresses ghostlight really has.

Used by layout_replay.py (the integration test) and layout_render.py.
Plain Python 3 standard library.

The model: a Control has `page`, `name`, `kind` ("send": touch sends;
"display": shows what arrives; "caption": static text; "keepalive": sends
by itself every `interval_s`), `sends` (list of (address, args) one touch
or tick sends), `listens` (addresses whose messages change it), display
rectangle `rect` (x, y, w, h) and `colour`, `text`.

TouchOSC Mk1 (from its editor's files and the libraries that write them):
index.xml is <layout mode orientation> <tabpage name> <control .../>; name,
text and osc_cs (the custom address) are base64. A control without osc_cs
has the address /<page>/<name>. A control sends and receives on the same
address: push sends scalet on press (sp) and scalef on release (sr);
faders, rotaries and toggles send their level as a float; labels and LEDs
only receive. Landscape layouts (orientation "vertical") are stored in the
portrait frame, rotated (see display_rect()).

Open Stage Control 1.x (widget schema from its 1.x sources): a widget's
`address` (default /<id>) is used to send and to receive; text, led and
variable widgets only receive; a fader with interaction false and bypass
true only displays; send('/addr', ...) in a script sends; setInterval(f, ms)
repeats.
"""
import base64
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile


class Control:
    def __init__(self, page, name, kind, rect, colour="gray", text=""):
        self.page, self.name, self.kind = page, name, kind
        self.rect, self.colour, self.text = rect, colour, text
        self.sends = []          # [(address, [args])]
        self.listens = []        # [address]
        self.interval_s = None   # keepalive period
        self.app_type = ""       # the app's own type name
        self.script = ""         # what runs when a value arrives (Open Stage Control)

    def __repr__(self):
        return "%s/%s" % (self.page, self.name)


# ---- TouchOSC Mk1 ------------------------------------------------------------------

MK1_SIZES = {"0": (320, 480), "1": (768, 1024), "2": (320, 568)}
MK1_TOOLBAR = 40
MK1_SENDERS = ("push", "toggle", "faderv", "faderh", "rotaryv", "rotaryh", "encoder")
MK1_DISPLAYS = ("labelv", "labelh", "led")


def _b64(text):
    return base64.b64decode(text).decode() if text else ""


def mk1_xml(path):
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            return z.read("index.xml")
    with open(path, "rb") as f:
        return f.read()


def load_touchosc(path):
    """(size, controls): size is the display (w, h) below the toolbar."""
    root = ET.fromstring(mk1_xml(path))
    if root.tag != "layout":
        raise ValueError("%s: not a TouchOSC Mk1 layout (root <%s>)" % (path, root.tag))
    mode = root.get("mode")
    if mode == "3":
        frame = (int(root.get("w")), int(root.get("h")))
    elif mode in MK1_SIZES:
        frame = MK1_SIZES[mode]
    else:
        raise ValueError("%s: unknown layout mode %r" % (path, mode))
    landscape = root.get("orientation") == "vertical"
    fw, fh = frame

    def display_rect(x, y, w, h):
        # landscape: stored x runs up from the display's bottom edge
        if landscape:
            return (y, fw - x - w - MK1_TOOLBAR, h, w)
        return (x, y - MK1_TOOLBAR, w, h)

    size = (fh, fw - MK1_TOOLBAR) if landscape else (fw, fh - MK1_TOOLBAR)
    controls = []
    for page in root.findall("tabpage"):
        pname = _b64(page.get("name"))
        for el in page.findall("control"):
            a = el.attrib
            t, name = a["type"], _b64(a.get("name"))
            rect = display_rect(*(int(float(a[k])) for k in ("x", "y", "w", "h")))
            address = _b64(a["osc_cs"]) if a.get("osc_cs") else "/%s/%s" % (pname, name)
            if t in MK1_DISPLAYS:
                kind = "display" if a.get("osc_cs") else "caption"
            elif t in MK1_SENDERS:
                kind = "send"
            else:
                raise ValueError("%s: control %s has type %r, unknown here" % (path, name, t))
            c = Control(pname, name, kind, rect, a.get("color", "gray"), _b64(a.get("text")))
            c.app_type = t
            lo, hi = float(a.get("scalef", 0)), float(a.get("scalet", 1))
            if kind == "send":
                c.listens.append(address)       # Mk1: one address both ways
                if t == "push":
                    if a.get("sp", "true") == "true":
                        c.sends.append((address, [hi]))
                    if a.get("sr", "true") == "true":
                        c.sends.append((address, [lo]))
                elif t == "toggle":
                    c.sends += [(address, [hi]), (address, [lo])]
                else:
                    c.sends.append((address, [lo + (hi - lo) * 0.5]))
            elif kind == "display":
                c.listens.append(address)
            controls.append(c)
    return size, controls


# ---- Open Stage Control 1.x ---------------------------------------------------------

OSC_DISPLAYS = ("text", "led", "variable")
OSC_CONTAINERS = ("root", "panel", "tab", "folder")
_SEND = re.compile(r"send\(\s*'(/[^']*)'\s*((?:,\s*[^,)]+)*)\)")
_INTERVAL = re.compile(r"setInterval\(\s*function\s*\(\)\s*\{\s*send\(\s*'(/[^']*)'"
                       r"((?:\s*,\s*[^,)]+)*)\)\s*\}\s*,\s*(\d+)\s*\)")


def _js_args(text):
    args = []
    for a in [x.strip() for x in text.split(",") if x.strip()]:
        args.append(a.strip("'\"") if a[0] in "'\"" else float(a))
    return args


def load_osc_session(path):
    with open(path) as f:
        data = json.load(f)
    if data.get("type") != "session" or not isinstance(data.get("content"), dict):
        raise ValueError("%s: not an Open Stage Control session" % path)
    controls = []

    def walk(w, page):
        t, wid = w.get("type"), w.get("id", "")
        if t in OSC_CONTAINERS:
            for child in w.get("tabs", []):
                walk(child, child.get("label", child.get("id", "")))
            for child in w.get("widgets", []):
                walk(child, page)
            return
        rect = tuple(w.get(k, 0) for k in ("left", "top", "width", "height"))
        address = w.get("address", "auto")
        if address == "auto":
            address = "/" + wid
        colour = w.get("colorWidget", w.get("colorText", "gray"))
        text = str(w.get("label", w.get("default", "")))
        display_fader = t == "fader" and w.get("interaction") is False and w.get("bypass")
        if t == "script":
            kind = "keepalive"
        elif t in OSC_DISPLAYS or display_fader:
            kind = "caption" if t == "text" and not address.startswith("/gl/") else "display"
        else:
            kind = "send"
        c = Control(page, wid, kind, rect, colour, text)
        c.app_type = t
        if kind == "send":
            c.listens.append(address)
            if t == "button":
                on = w.get("on", 1)
                c.sends.append((address, [] if on is None else [on]))
                if w.get("mode", "toggle") in ("toggle", "push"):
                    off = w.get("off", 0)
                    c.sends.append((address, [] if off is None else [off]))
            else:
                rng = w.get("range", {"min": 0, "max": 1})
                c.sends.append((address, [(float(rng["min"]) + float(rng["max"])) / 2]))
        elif kind == "display":
            c.listens.append(address)
        script = w.get("onCreate", "")
        if kind == "keepalive":
            m = _INTERVAL.search(script)
            if m:
                c.interval_s = int(m.group(3)) / 1000.0
                c.sends.append((m.group(1), _js_args(m.group(2))))
        elif "send(" in script or "send(" in w.get("onValue", ""):
            for m in _SEND.finditer(script + "\n" + w.get("onValue", "")):
                c.sends.append((m.group(1), _js_args(m.group(2))))
        c.script = w.get("onValue", "")
        controls.append(c)

    walk(data["content"], "")
    return controls


def load(path):
    """Controls of any layout file."""
    if path.endswith(".json"):
        return load_osc_session(path)
    return load_touchosc(path)[1]


# ---- the address table ----------------------------------------------------------------

def pattern_regex(pattern):
    """`help osc-addresses` pattern -> regex: <x> one part, {a,b} one of."""
    out, i = "", 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "<":
            j = pattern.index(">", i)
            out += "[^/]+"
            i = j + 1
        elif ch == "{":
            j = pattern.index("}", i)
            out += "(?:" + "|".join(re.escape(x) for x in pattern[i + 1:j].split(",")) + ")"
            i = j + 1
        else:
            out += re.escape(ch)
            i += 1
    return re.compile(out + "$")


class AddressTable:
    def __init__(self, ghostlight):
        text = subprocess.run([ghostlight, "help", "osc-addresses"], check=True,
                              capture_output=True, text=True).stdout
        self.commands, self.feedback = [], []
        for line in text.splitlines():
            kind, pattern, _args = line.split("\t")
            (self.commands if kind == "command" else self.feedback).append(
                (pattern, pattern_regex(pattern)))
        if not self.commands or not self.feedback:
            raise ValueError("`help osc-addresses` printed no table:\n" + text)

    @staticmethod
    def _match(rows, address):
        for pattern, rx in rows:
            if rx.match(address):
                return pattern
        return None

    def command(self, address):
        return self._match(self.commands, address)

    def sent(self, address):
        return self._match(self.feedback, address)


def check(table, path, controls, out=print):
    """Problems with one layout's addresses (empty: none)."""
    problems = []
    for c in controls:
        for address, args in c.sends:
            if c.kind == "display":
                problems.append("%s: a display control that sends %s" % (c, address))
            elif not table.command(address):
                problems.append("%s sends %s: ghostlight accepts no such address" % (c, address))
        for address in c.listens:
            fed = table.sent(address)
            if c.kind == "display" and not fed:
                problems.append("%s listens on %s: ghostlight never sends it" % (c, address))
        if c.kind == "caption" and any(a.startswith("/gl/") for a, _ in c.sends):
            problems.append("%s: a caption that sends" % c)
    out("%s: %d controls, %d sending, %d displays, %d captions, %d keep-alive" % (
        path, len(controls), sum(c.kind == "send" for c in controls),
        sum(c.kind == "display" for c in controls), sum(c.kind == "caption" for c in controls),
        sum(c.kind == "keepalive" for c in controls)))
    return problems


def main():
    if len(sys.argv) < 4 or sys.argv[1] != "check":
        print(__doc__)
        sys.exit(2)
    table = AddressTable(sys.argv[2])
    problems = []
    for path in sys.argv[3:]:
        controls = load(path)
        for c in controls:
            follows = [a for a in c.listens if table.sent(a)]
            print("  %-28s %-9s sends %-40s %s" % (
                c, c.kind, ", ".join(a for a, _ in c.sends) or "-",
                ("shows " + ", ".join(follows)) if follows else ""))
        problems += check(table, path, controls)
    for p in problems:
        print("FAIL: " + p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
