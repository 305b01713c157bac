"""console_test.py - drives the real `ghostlight console` for the
integration tests (tests/integration/console_*.sh) and bench/console.sh.

The console plays a script of input events (`--script`, pushed into SDL's
own event queue: app/console/script.c) while this program listens to its
sACN on 127.0.0.1:5568 and stamps every packet with the wall clock; the
script's `mark NAME` lines (stderr, wall clock too) say when each step
happened, so each check reads the wire around a mark. `state FILE` lines
give the console's own view (active cue, faders, prompt, dirty...).

    console_test.py playback GHOSTLIGHT SHOW WORKDIR [--offscreen]
    console_test.py programming GHOSTLIGHT SHOW WORKDIR
    console_test.py sound GHOSTLIGHT WORKDIR
    console_test.py timecode GHOSTLIGHT SHOW WORKDIR
    console_test.py bench GHOSTLIGHT SHOW WORKDIR

Plain Python 3 standard library; runs under Debian's /usr/bin/python3.
No check is on a duration: waits have generous limits only so that a hung
console fails instead of hanging the test.
"""
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import wave

SACN_PORT = 5568
RUN_LIMIT_S = 180


def die(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


class Wire:
    """Every sACN data packet of universes 1 and 2, with its arrival time."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind(("127.0.0.1", SACN_PORT))
        self.sock.settimeout(0.2)
        self.packets = []          # (wall time, universe, slots)
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                data = self.sock.recv(1024)
            except socket.timeout:
                continue
            now = time.time()
            if len(data) < 126 or data[18:22] != b"\0\0\0\4" or data[125] != 0:
                continue           # sync, discovery, other start codes
            universe = struct.unpack(">H", data[113:115])[0]
            with self.lock:
                self.packets.append((now, universe, bytes(data[126:])))

    def stop(self):
        self.running = False
        self.thread.join()
        self.sock.close()

    def at(self, t, universe):
        """The slots of the last packet of `universe` before wall time t."""
        with self.lock:
            last = None
            for when, u, slots in self.packets:
                if when > t:
                    break
                if u == universe:
                    last = slots
        if last is None:
            die("no sACN packet of universe %d before the mark" % universe)
        return last

    def first_after(self, t, universe, pred):
        """(time, slots) of the first packet after t that satisfies pred."""
        with self.lock:
            for when, u, slots in self.packets:
                if when > t and u == universe and pred(slots):
                    return when, slots
        return None, None

    def timeline(self, universe, t0, n=18):
        """Each change of the first n slots, seconds from t0: for failures."""
        out, prev = [], None
        with self.lock:
            for when, u, slots in self.packets:
                if u == universe and slots[:n] != prev:
                    prev = slots[:n]
                    out.append("%+.3f %s" % (when - t0, list(prev)))
        return "\n".join(out[-12:])

    def count(self):
        with self.lock:
            return len(self.packets)


def console_env(offscreen):
    env = dict(os.environ)
    env["SDL_RENDER_DRIVER"] = "software"
    env["SDL_AUDIODRIVER"] = "dummy"
    here = os.path.dirname(os.path.abspath(__file__))
    env["LSAN_OPTIONS"] = "suppressions=" + os.path.join(here, "lsan_console.supp")
    if offscreen:
        env["SDL_VIDEODRIVER"] = "offscreen"
        env.pop("DISPLAY", None)
        # SDL's offscreen driver loads and unloads Mesa's EGL, whose leaks
        # a leak checker can no longer name; the X11 runs check ours.
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    elif not env.get("DISPLAY"):
        die("no DISPLAY: start Xvfb first (or pass --offscreen)")
    return env


class Run:
    """One console run on a script; its stderr holds the marks."""

    def __init__(self, gl, show, work, name, script, args=(), offscreen=False,
                 on_mark=None):
        self.name = name
        self.script = os.path.join(work, name + ".script")
        with open(self.script, "w") as f:
            f.write(script)
        self.log = os.path.join(work, name + ".log")
        argv = [gl, "console", show, "--script", self.script, "--stats"] + list(args)
        with open(self.log, "w") as out:
            p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                 env=console_env(offscreen))
            seen = set()
            deadline = time.monotonic() + RUN_LIMIT_S
            while p.poll() is None:
                if time.monotonic() > deadline:
                    p.kill()
                    p.wait()
                    die("%s: the console did not end within %d s; log:\n%s" %
                        (name, RUN_LIMIT_S, self.text()[-3000:]))
                if on_mark:
                    for mark in self.marks():
                        if mark not in seen:
                            seen.add(mark)
                            on_mark(mark, p)
                time.sleep(0.05)
        self.rc = p.returncode
        if self.rc != 0:
            die("%s: the console exited %d; log:\n%s" % (name, self.rc, self.text()[-4000:]))

    def text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def marks(self):
        out = {}
        for line in self.text().splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0] == "mark":
                out[parts[1]] = float(parts[2])
        return out

    def mark(self, name):
        m = self.marks()
        if name not in m:
            die("%s: no mark %r; log:\n%s" % (self.name, name, self.text()[-2000:]))
        return m[name]


def state(path):
    out = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            out[k] = v
    return out


def expect(what, got, want):
    if got != want:
        die("%s: got %r, want %r" % (what, got, want))


def near(what, got, want, tol=1):
    if abs(got - want) > tol:
        die("%s: got %s, want %s (within %s)" % (what, got, want, tol))


def render(gl, show, at):
    """Universe -> slots from `ghostlight render SHOW --at T`."""
    r = subprocess.run([gl, "render", show, "--at", str(at)], capture_output=True, text=True)
    if r.returncode != 0:
        die("render %s: %s" % (show, r.stderr.strip()))
    out = {}
    for line in r.stdout.splitlines():
        f = line.split()
        out[int(f[1])] = bytes(int(x) for x in f[2:])
    return out


def check_show(gl, show):
    r = subprocess.run([gl, "check", show], capture_output=True, text=True)
    if r.returncode != 0:
        die("ghostlight check %s fails: %s" % (show, (r.stdout + r.stderr)[-1500:]))


def frame_line(run):
    for line in run.text().splitlines():
        if line.startswith("console:") and "frame time" in line:
            return line
    return "(no frame statistics)"


# ---- playback: GO, GOTO, debounce, BACK, faders by mouse, touch and wheel --------------

PLAYBACK = """\
wait-until active Main 1
sleep 0.4
state {w}/p1
mark go
key space
wait-until active Main 2
sleep 0.4
mark after-go
state {w}/p2
# a double tap is one GO
key space space
wait-until active Main 3
sleep 0.8
state {w}/p3
type 2
key return
wait-until active Main 2
click btn:back
wait-until active Main 1
click btn:go
wait-until active Main 2
sleep 0.4
mark before-fader
drag fader:0 0.5 0.05 0.5 0.7 10
sleep 0.5
state {w}/p4
mark after-fader
# two fingers, two faders at once
touch 1 down fader:0 0.5 0.5
touch 2 down fader:1 0.5 0.3
touch 1 move fader:0 0.5 0.35
touch 2 move fader:1 0.5 0.6
touch 1 move fader:0 0.5 0.25
touch 2 move fader:1 0.5 0.75
touch 1 up fader:0 0.5 0.25
touch 2 up fader:1 0.5 0.75
sleep 0.5
state {w}/p5
mark after-touch
wheel fader:2 -5
sleep 0.5
state {w}/p6
mark after-wheel
# a remote moves fader 2: the console follows it
mark remote
sleep 1
state {w}/p6r
key ctrl+b
sleep 0.5
state {w}/p7
mark blackout
key ctrl+b
sleep 0.5
{views}mark shot
sleep {shot_wait}
key escape escape
sleep 0.5
state {w}/p8
mark panic
quit
"""

VIEWS = """\
key f2
sleep 0.3
key f3
sleep 0.3
key f4
sleep 0.3
key f5
sleep 0.3
key f6
sleep 0.3
key f1
sleep 0.3
"""


def playback(gl, show, work, offscreen):
    wire = Wire()
    shots = []

    def on_mark(mark, proc):
        if mark == "remote":
            # /gl/fader/2 0.3 over OSC (UDP 7700, on by default)
            osc = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            osc.sendto(b"/gl/fader/2\0,f\0\0" + struct.pack(">f", 0.3), ("127.0.0.1", 7700))
            osc.close()
        if mark == "shot" and not offscreen:
            png = os.path.join(work, "x11-window.png")
            r = subprocess.run(["import", "-window", "root", png], capture_output=True, text=True)
            shots.append((r.returncode, png, r.stderr))

    try:
        script = PLAYBACK.format(w=work, views=VIEWS, shot_wait=2 if not offscreen else 0.2)
        run = Run(gl, show, work, "playback", script, offscreen=offscreen, on_mark=on_mark)
    finally:
        wire.stop()
    p1, p2, p3 = state(work + "/p1"), state(work + "/p2"), state(work + "/p3")
    expect("active before GO", p1["list.0.active"], "1")
    expect("standby before GO", p1["list.0.standby"], "2")
    expect("active after GO", p2["list.0.active"], "2")
    expect("active after a double tap", p3["list.0.active"], "3")
    # the wire: cue 1 before the GO key, cue 2 after it
    go, after = run.mark("go"), run.mark("after-go")
    expect("slot 1.1 before GO (cue 1)", wire.at(go, 1)[0], 51)
    t, slots = wire.first_after(go, 1, lambda s: s[0] == 255 and s[1] == 128)
    if t is None or t > after:
        die("cue 2 (1.1 = 255, 1.2 = 128) never reached the wire after the GO key")

    # faders: the Dimmers fader masters dim 1 (full in cue 2)
    p4 = state(work + "/p4")
    f1 = float(p4["fader.1"])
    if not 0.05 < f1 < 0.9:
        die("the dragged fader stands at %s" % f1)
    near("1.1 after the fader drag", wire.at(run.mark("after-fader"), 1)[0], f1 * 255)
    p5 = state(work + "/p5")
    f1b, f2 = float(p5["fader.1"]), float(p5["fader.2"])
    if abs(f1b - f1) < 0.05 or abs(f2 - 1.0) < 0.05:
        die("two fingers moved faders 1 and 2 to %s and %s (1 was %s, 2 was 1.0)" % (f1b, f2, f1))
    u1 = wire.at(run.mark("after-touch"), 1)
    near("1.1 after the touch (fader 1)", u1[0], f1b * 255)
    # the pars track cue 1: half intensity, orange (red full) without a dimmer
    near("1.11 (par 1 red) after the touch (fader 2)", u1[10], 0.5 * f2 * 255)
    p6 = state(work + "/p6")
    master = float(p6["fader.3"])
    near("the list fader after the wheel", master, 0.9, 0.011)
    near("1.1 after the wheel", wire.at(run.mark("after-wheel"), 1)[0], f1b * master * 255)
    near("fader 2 after a remote moved it (OSC)", float(state(work + "/p6r")["fader.2"]), 0.3,
         0.0011)
    p7 = state(work + "/p7")
    expect("blackout on", p7["blackout"], "1")
    u1 = wire.at(run.mark("blackout"), 1)
    if any(u1[:18]):
        die("blackout left light on universe 1: %s" % list(u1[:18]))
    p8 = state(work + "/p8")
    expect("panic: blackout", p8["blackout"], "1")
    expect("panic: the list stopped", p8["list.0.state"], "off")
    if not offscreen:
        if not shots or shots[0][0] != 0:
            die("import -window root failed: %s" % (shots[0][2] if shots else "never ran"))
        with open(shots[0][1], "rb") as f:
            if f.read(8) != b"\x89PNG\r\n\x1a\n":
                die("import did not write a PNG")
    print("playback (%s): GO %s; %s" % ("offscreen" if offscreen else "X11", "ok",
                                        frame_line(run)))


# ---- sound: a cue's sound in the media and devices views, PANIC fades it out -------------

SOUND_SHOW = """\
-- written by tests/tools/console_test.py (sound)
show {{ name = "Console sound", rate = 44 }}
output {{ "sacn", type = "sacn", universes = {{1}}, unicast = "127.0.0.1" }}
audio {{ driver = "disk", device = "{w}/out.raw", buffer = 512 }}
patch {{ "dim", type = "generic/dimmer", universe = 1, address = 1 }}
fader (1, {{ audio = "master", label = "Sound" }})
cuelist "Main" {{
  -- a list STOP alone would take ten minutes to fade this out: PANIC must
  -- end it within its panic_fade
  cue {{ 1, "Rain", look = {{ dim = {{ intensity = 1 }} }},
        audio = {{ "rain.wav", loop = true, fade_out = 600 }} }},
}}
go("Main")
"""

SOUND = """\
wait-until active Main 1
wait-until sounds 1
state {w}/s1
key f4
sleep 1.5
state {w}/s2
key f6
sleep 0.5
state {w}/s3
key escape escape
wait-until sounds 0
state {w}/s4
quit
"""


def sound(gl, work, offscreen):
    with wave.open(os.path.join(work, "rain.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(b"\x00\x10\x00\xf0" * 12000)   # half a second of a square wave
    show = os.path.join(work, "sound.lua")
    with open(show, "w") as f:
        f.write(SOUND_SHOW.format(w=work))
    check_show(gl, show)
    run = Run(gl, show, work, "sound", SOUND.format(w=work), offscreen=offscreen)
    s1, s2, s3, s4 = (state(work + "/s%d" % i) for i in range(1, 5))
    expect("the cue's sound runs", s1["sounds"], "1")
    expect("devices view", s2["view"], "devices")
    expect("media view", s3["view"], "media")
    expect("the sound still runs before PANIC", s3["sounds"], "1")
    expect("panic: blackout", s4["blackout"], "1")
    expect("panic: the list stopped", s4["list.0.state"], "off")
    if "sound faded out" not in s4["message"]:
        die("panic: the console says %r, not that the sound faded out" % s4["message"])
    print("sound (%s): a cue's sound, PANIC fades it out; %s" %
          ("offscreen" if offscreen else "X11", frame_line(run)))


# ---- programming: record, save, reload, update, renumber, delete, undo, quit --------

RECORD = """\
wait-until active Main 1
type 3-4
key f
type 60
key i
type 5-6
key f
click prog:preset:7
type 80
key i
type 7
key f
click prog:pos 0.75 0.25
type 100
key i
wait-until programmer 15
type 0.5
key r
wait-until synced
key c
wait-until programmer 0
type 0.5
key return
wait-until active Main 0.5
sleep 0.6
mark captured
state {w}/r1
key ctrl+s
sleep 0.3
state {w}/r2
quit
"""

RELOAD = """\
wait-until active Main 0.5
sleep 0.6
mark reloaded
state {w}/l1
type 3
key f
type 40
key i
wait-until programmer 1
click cue:0:2
key u
wait-until synced
key c
click cue:0:4
type 4.5
key n
wait-until synced
click cue:0:3
key delete
wait-until prompt delete
key return
sleep 0.3
state {w}/l2
type 1
key f
type 10
key i
wait-until programmer 1
type 5
key r
wait-until synced
state {w}/l3
key ctrl+z
wait-until synced
state {w}/l4
key ctrl+shift+z
wait-until synced
state {w}/l5
key ctrl+z
wait-until synced
key c
wait-until programmer 0
click cue:0:1
click cue:0:4
key delete
wait-until prompt delete
key return
wait-until synced
state {w}/l6
key ctrl+z
wait-until synced
state {w}/l7
quit
wait-until prompt quit
state {w}/l8
key escape
wait-until prompt none
quit
wait-until prompt quit
key s
"""

SIGNAL = """\
wait-until active Main 0.5
type 2
key f
type 70
key i
wait-until programmer 1
type 6
key r
wait-until synced
mark kill
sleep 30
"""

CHECK = """\
wait-until active Main 0.5
type 2
key return
wait-until active Main 2
sleep 0.6
mark cue2
type 4.5
key return
wait-until active Main 4.5
type 1
key f
type 30
key i
wait-until programmer 1
key r
wait-until synced
quit
wait-until prompt quit
state {w}/c1
key d
"""


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def programming(gl, show_src, work):
    show = os.path.join(work, "console.lua")
    shutil.copyfile(show_src, show)
    original = read_bytes(show)
    recorded = os.path.join(work, "console.recorded.lua")

    wire = Wire()
    try:
        run = Run(gl, show, work, "record", RECORD.format(w=work), args=["--record-fade", "0"])
    finally:
        wire.stop()
    r1, r2 = state(work + "/r1"), state(work + "/r2")
    expect("cues after recording 0.5", r1["list.0.cues"], "0.5,1,2,3,4")
    expect("unsaved after recording", r1["dirty"], "1")
    expect("saved", r2["dirty"], "0")
    # the show file: its own bytes first, unchanged, then the one line
    saved = read_bytes(show)
    if not saved.startswith(original):
        die("the hand-written show changed on save")
    tail = saved[len(original):].decode()
    if tail.count("recorded \"console.recorded.lua\"") != 1 or tail.count("\n") > 4:
        die("the show gained more than its recorded line: %r" % tail)
    if read_bytes(show + ".bak") != original:
        die("console.lua.bak is not the show as it was")
    if not os.path.exists(recorded):
        die("no console.recorded.lua")
    check_show(gl, show)
    # the saved show renders what the wire showed: cue 0.5 is its first
    want = render(gl, show, 0.1)
    t = run.mark("captured")
    for u in (1, 2):
        got = wire.at(t, u)
        if got != want[u]:
            diff = [(i + 1, got[i], want[u][i]) for i in range(512) if got[i] != want[u][i]]
            die("universe %d: the wire in the console and `render` of the saved show differ "
                "at (slot, wire, render): %s\nthe wire:\n%s" % (u, diff[:12], wire.timeline(u, t)))
    captured = {u: wire.at(t, u) for u in (1, 2)}
    # dims 3-4 at 60 %, the pars blue (no red) at 80 %
    u1 = captured[1]
    if u1[2] != 153 or u1[3] != 153 or u1[10] != 0 or u1[12] != 204 or u1[16] != 204:
        die("the recorded look is not what was programmed: %s" % list(u1[:18]))

    # reload: the same output, then more edits
    wire = Wire()
    try:
        run = Run(gl, show, work, "reload", RELOAD.format(w=work))
    finally:
        wire.stop()
    t = run.mark("reloaded")
    for u in (1, 2):
        if wire.at(t, u) != captured[u]:
            die("universe %d after reloading the saved show differs from before" % u)
    l = [None] + [state("%s/l%d" % (work, i)) for i in range(1, 9)]
    expect("cues after update and renumber; delete of cue 3 refused", l[2]["list.0.cues"],
           "0.5,1,2,3,4.5")
    if "on_cue handler" not in l[2]["message"]:
        die("deleting cue 3 (it has an on_cue handler) was not refused: %s" % l[2]["message"])
    expect("recorded 5", l[3]["list.0.cues"], "0.5,1,2,3,4.5,5")
    expect("undo", l[4]["list.0.cues"], "0.5,1,2,3,4.5")
    expect("redo", l[5]["list.0.cues"], "0.5,1,2,3,4.5,5")
    expect("deleted 4.5", l[6]["list.0.cues"], "0.5,1,2,3")
    expect("undo of the delete", l[7]["list.0.cues"], "0.5,1,2,3,4.5")
    expect("the quit prompt", l[8]["prompt"], "quit")
    if read_bytes(show) != saved:
        die("the show file changed on the second save")
    check_show(gl, show)

    # the edits play, and a quit that discards leaves the files alone
    before = read_bytes(recorded)
    wire = Wire()
    try:
        run = Run(gl, show, work, "check", CHECK.format(w=work))
    finally:
        wire.stop()
    expect("the quit prompt before discarding", state(work + "/c1")["prompt"], "quit")
    near("1.3 in the updated cue 2", wire.at(run.mark("cue2"), 1)[2], 0.4 * 255)
    if read_bytes(recorded) != before or read_bytes(show) != saved:
        die("discarding on quit changed the files")

    # ended by a signal with an unsaved edit: it waits in an autosave file
    run = Run(gl, show, work, "signal", SIGNAL,
              on_mark=lambda mark, proc: mark == "kill" and proc.send_signal(signal.SIGTERM))
    autosave = recorded + ".autosave"
    if not os.path.exists(autosave) or 'edit.record("Main", cue { "6"' not in read_bytes(
            autosave).decode():
        die("no autosave with the unsaved cue 6 after SIGTERM; log:\n" + run.text()[-1500:])
    if read_bytes(recorded) != before:
        die("the signal changed the recorded file")
    print("programming: record, save (show kept byte for byte), reload, update, renumber, "
          "refused delete, undo/redo, quit prompt, autosave on a signal: ok; %s" % frame_line(run))


# ---- a list on timecode with effects ------------------------------------------------

TIMECODE = """\
wait-until active Song 2
click cue:0:1
type 1
key f
type 50
key i
wait-until programmer 1
type 2.5
key r
state {w}/t1
key c
wait-until programmer 0
click cue:0:0
type 5
key n
state {w}/t2
click cue:0:2
type 9
key n
wait-until synced
click cue:0:0
key delete
wait-until prompt delete
key return
wait-until synced
state {w}/t3
key ctrl+z
wait-until synced
state {w}/t5
type 1
key return
wait-until active Song 1
wait-until active Song 9
state {w}/t4
quit
wait-until prompt quit
key d
"""


def timecode(gl, show_src, work):
    """A list on its own timecode clock, edited while it plays: a recorded
    cue and a renumber out of time order refused (nothing changes), then a
    renumber and a delete taken; the delete undone brings cue 1 back with
    its time (a GOTO to it puts the clock there: the list shows cue 1, not
    nothing), and the clock fires the cue it was given at 12 s, now 9."""
    show = os.path.join(work, "console_timecode.lua")
    shutil.copyfile(show_src, show)
    run = Run(gl, show, work, "timecode", TIMECODE.format(w=work))
    t1, t2, t3, t4, t5 = (state("%s/t%d" % (work, i)) for i in range(1, 6))
    expect("cues after the refused record", t1["list.0.cues"], "1,2,3")
    if "runs on timecode" not in t1["message"]:
        die("recording into a list on timecode was not refused: %s" % t1["message"])
    expect("cues after the refused renumber", t2["list.0.cues"], "1,2,3")
    if "time order" not in t2["message"]:
        die("renumbering cue 1 past cue 3's time was not refused: %s" % t2["message"])
    expect("cues after renumber and delete", t3["list.0.cues"], "2,9")
    expect("cues after undoing the delete", t5["list.0.cues"], "1,2,9")
    expect("the clock fired the renumbered cue", t4["list.0.active"], "9")
    print("timecode: record and out-of-order renumber refused, renumber, delete and undo "
          "taken while the clock runs, its cues fired by identity: ok; %s" % frame_line(run))


# ---- bench: GO key -> DMX out ------------------------------------------------------

def bench(gl, show, work, gos=100):
    """The space key pushed into the console's queue (after a `mark`) to the
    first sACN packet with the cue's level: slot 1 alternates 255 / 51."""
    lines = ["wait-until active Main 1", "sleep 0.5"]
    for i in range(gos):
        lines += ["mark go-%d" % i, "key space",
                  "sleep %.3f" % (0.35 + (i % 7) * 0.011)]   # past the debounce, spread over a tick
    lines.append("quit")
    wire = Wire()
    try:
        run = Run(gl, show, work, "golatency", "\n".join(lines) + "\n")
    finally:
        wire.stop()
    lat = []
    for i in range(gos):
        t = run.mark("go-%d" % i)
        want = 255 if i % 2 == 0 else 51
        when, _ = wire.first_after(t, 1, lambda s, w=want: s[0] == w)
        if when is None:
            die("GO %d never reached the wire" % i)
        lat.append((when - t) * 1000.0)
    lat.sort()

    def pct(p):
        return lat[min(len(lat) - 1, max(0, int(round(p / 100.0 * len(lat))) - 1))]
    print("GO key (space, into SDL's queue) -> first sACN packet with the new look, %d GOs:" % gos)
    print("  p50 %.2f ms   p99 %.2f ms   min %.2f ms   max %.2f ms   (engine %s)" %
          (pct(50), pct(99), lat[0], lat[-1], "44 Hz, output delay 4 ms"))


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        sys.exit(2)
    what = sys.argv[1]
    if what == "playback":
        playback(sys.argv[2], sys.argv[3], sys.argv[4], "--offscreen" in sys.argv)
    elif what == "programming":
        programming(sys.argv[2], sys.argv[3], sys.argv[4])
    elif what == "timecode":
        timecode(sys.argv[2], sys.argv[3], sys.argv[4])
    elif what == "sound":
        sound(sys.argv[2], sys.argv[3], "--offscreen" in sys.argv)
    elif what == "bench":
        bench(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        print(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
