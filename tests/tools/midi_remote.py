"""midi_remote.py - the MIDI integration tests (tests/integration/midi_*.sh,
each inside its own network namespace) and the note-in -> DMX-out latency
benchmark (bench/midi_latency.sh). A private JACK server on the dummy
backend carries the MIDI; tests/tools/midi_peer (RtMidi) is the fader wing
(midi-peer, found by ghostlight by name) and the desk that sends MSC and
MTC (desk, connected to ghostlight's virtual port); sACN comes back to
127.0.0.1:5568 and is read with osc_remote.py's reader.

  midi_remote.py wing    GHOSTLIGHT PEER SHOW WORKDIR
  midi_remote.py control GHOSTLIGHT PEER SHOW WORKDIR
  midi_remote.py bench   GHOSTLIGHT PEER SHOW WORKDIR [--gos 200]

Plain Python 3 standard library. No wall-clock assertions but lower
bounds ("not before the hand has been off the fader for touch_hold"),
which a slow machine cannot break; every wait has a generous deadline.
"""
import os
import re
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from osc_remote import Procs, Sacn, die, oscsend, read, run_main, time_gos, wait_text  # noqa: E402

WAIT_S = 10.0
TOUCH_HOLD_S = 0.5       # the show's touch_hold


# ---- JACK and the peers ---------------------------------------------------------------

def start_jack(procs, work):
    """A JACK server of our own (dummy backend), by a name no other test
    uses; its clients find it through JACK_DEFAULT_SERVER. Synchronous (-S)
    with a long client timeout (-t): on a loaded machine, a client that
    misses a cycle then delays it instead of having its last cycle's MIDI
    played again, or being dropped from the graph (JACK2's asynchronous
    default does both, seen here under a full ctest run)."""
    name = "gltest%d" % os.getpid()
    os.environ["JACK_DEFAULT_SERVER"] = name
    procs.start("jackd.log", ["jackd", "-n", name, "-S", "-t", "10000", "--no-realtime",
                              "-d", "dummy", "-r", "48000", "-p", "256"])
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if subprocess.run(["jack_lsp"], capture_output=True).returncode == 0:
            return
        time.sleep(0.1)
    die("jackd did not start:\n" + read(os.path.join(work, "jackd.log"))[-2000:])


class Peer:
    """tests/tools/midi_peer driven line by line; what it receives is kept
    as (ns, bytes) with its CLOCK_MONOTONIC arrival time."""

    def __init__(self, path, name, work):
        self.name = name
        self.log = open(os.path.join(work, "peer-%s.log" % name), "w")
        self.p = subprocess.Popen([path, name], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=self.log, text=True, bufsize=1)
        self.lock = threading.Condition()
        self.lines = []
        self.received = []
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_line(lambda l: l.startswith("ready"), "ready")

    def _read(self):
        for line in self.p.stdout:
            line = line.rstrip("\n")
            with self.lock:
                if line.startswith("in "):
                    parts = line.split()
                    self.received.append((int(parts[1]), bytes(int(b, 16) for b in parts[2:])))
                else:
                    self.lines.append(line)
                    self.log.write(line + "\n")
                    self.log.flush()
                self.lock.notify_all()

    def wait_line(self, pred, what, timeout=WAIT_S):
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                for i, l in enumerate(self.lines):
                    if pred(l):
                        del self.lines[:i + 1]
                        return l
                left = deadline - time.monotonic()
                if left <= 0 or self.p.poll() is not None:
                    die("%s never said %s; it said %s" % (self.name, what, self.lines[-5:]))
                self.lock.wait(left)

    def cmd(self, line):
        """Runs a command; returns its output lines (sent/mtc/now) before the ok."""
        with self.lock:
            self.lines.clear()
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        verb = line.split()[0]
        out = []
        while True:
            l = self.wait_line(lambda _: True, "ok " + verb)
            if l == "ok " + verb:
                return out
            if l.startswith("error"):
                die("%s: %s: %s" % (self.name, line, l))
            out.append(l)

    def send(self, hexbytes):
        """Sends one message; returns when it went (CLOCK_MONOTONIC ns)."""
        out = self.cmd("send " + hexbytes)
        return int([l for l in out if l.startswith("sent ")][0].split()[1])

    def send_nowait(self, hexbytes):
        self.p.stdin.write("send " + hexbytes + "\n")
        self.p.stdin.flush()

    def mark(self):
        with self.lock:
            return len(self.received)

    def wait_in(self, want, since=0, timeout=WAIT_S, what=None):
        """The first message received from index `since` on that equals
        `want` (hex text) or satisfies it (a function); (ns, bytes)."""
        if isinstance(want, str):
            b = bytes(int(x, 16) for x in want.split())
            pred = lambda m: m == b  # noqa: E731
        else:
            pred = want
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                for t, m in self.received[since:]:
                    if pred(m):
                        return t, m
                left = deadline - time.monotonic()
                if left <= 0:
                    tail = [m.hex(" ") for _, m in self.received[-12:] if m[0] != 0xF1]
                    die("%s never received %s; it received %d messages, the last of them "
                        "(quarter frames left out): %s" % (self.name, what or want,
                                                           len(self.received) - since, tail))
                self.lock.wait(left)

    def messages(self, since=0):
        with self.lock:
            return list(self.received[since:])

    def stop(self):
        if self.p.poll() is None:
            try:
                self.p.stdin.write("quit\n")
                self.p.stdin.flush()
                self.p.wait(timeout=5)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.p.kill()
        self.log.close()


def steady(sacn, slot, value, seconds=0.3):
    """slot keeps value in every frame for `seconds` (what did not happen:
    a slow machine can only make this pass more easily)."""
    sacn.drain()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        s = sacn.read(0.2)
        if s is not None and s[slot - 1] != value:
            die("slot %d changed to %d; it should have stayed %d" % (slot, s[slot - 1], value))


def near(a, b):
    return abs(a - b) <= 1


class Run:
    def __init__(self, gl, peer_path, show, work):
        self.procs = Procs(work)
        self.work = work
        self.peers = []
        start_jack(self.procs, work)
        self.sacn = Sacn()
        self.peer_path = peer_path
        self.gl, self.show = gl, show
        self.glp = None

    def peer(self, name):
        p = Peer(self.peer_path, name, self.work)
        self.peers.append(p)
        return p

    def start(self, show=None):
        self.glp = self.procs.start("gl.log", [self.gl, "play", show or self.show, "--no-status"])
        self.sacn.wait("the show running (Base up: slot 5 = 255)", lambda s: s[4] == 255)

    def log(self):
        return read(os.path.join(self.work, "gl.log"))

    def wait_log(self, text, timeout=WAIT_S):
        wait_text(os.path.join(self.work, "gl.log"), text, timeout)

    def finish(self):
        if self.glp and self.glp.poll() is None:
            self.glp.send_signal(2)
            try:
                self.glp.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.glp.kill()
                die("ghostlight did not end on SIGINT")
        for p in self.peers:
            p.stop()
        self.procs.stop_all()
        if self.glp and self.glp.returncode != 0:
            die("ghostlight play exited with %s:\n%s" % (self.glp.returncode, self.log()[-2000:]))

    def summary(self, want):
        lines = [l for l in self.log().splitlines() if "midi:" in l and "messages received" in l]
        if not lines:
            die("no MIDI summary line in ghostlight's log:\n" + self.log()[-2000:])
        line = lines[-1]
        print("ghostlight: " + line.split("log: ", 1)[-1], flush=True)
        for reason, n in want.items():
            m = re.search(re.escape(reason) + r" (\d+)", line)
            if not m or int(m.group(1)) < n:
                die("summary counts fewer than %d '%s': %s" % (n, reason, line))


# ---- the wing ------------------------------------------------------------------------

def wing(gl, peer_path, show, work):
    run = Run(gl, peer_path, show, work)
    wing = run.peer("midi-peer")
    try:
        run.start()
        s = run.sacn
        # the wing gets every LED and level as ghostlight opens it
        for led in ("90 3C 00", "90 3D 00", "90 40 05", "90 41 00", "90 46 00", "B0 02 7F"):
            wing.wait_in(led)
        print("wing opened by name; LEDs and the motor fader set at once", flush=True)

        # GO, and GO again in running status (a press and its release in one message)
        mark = wing.mark()
        wing.send("90 3C 7F")
        s.wait("cue 1 after GO (slot 1 = 51)", lambda f: f[0] == 51)
        for led in ("90 3C 7F", "90 40 7F", "90 41 05"):
            wing.wait_in(led, mark)
        wing.send("90 3C 7F 3C 00")
        s.wait("cue 2 after GO in running status (slot 1 = 255)", lambda f: f[0] == 255)
        wing.send("90 3D 7F")
        s.wait("cue 1 after BACK (slot 1 = 51)", lambda f: f[0] == 51)
        print("GO, GO in running status, BACK: on the wire; LEDs follow the list", flush=True)

        # soft takeover on fader 1 (at full): far below it the fader does nothing
        wing.send("B0 01 0A")
        steady(s, 5, 255)
        wing.send("B0 01 7F")          # reaches the level: taken over
        wing.send("B0 01 40")
        s.wait("fader 1 at 64/127 (slot 5 = 128)", lambda f: near(f[4], 128))
        oscsend("127.0.0.1", 7700, "/gl/fader/1", "f", 0.9)
        s.wait("fader 1 at 0.9 from OSC (slot 5 = 229)", lambda f: near(f[4], 229))
        wing.send("B0 01 3C")          # 60: below 0.9, coming from 64: ignored
        steady(s, 5, s.slots[4])
        wing.send("B0 01 78")          # 120: past 0.9: taken over
        s.wait("fader 1 picked up at 120/127 (slot 5 = 241)", lambda f: near(f[4], 241))
        print("soft takeover: ignored until the fader reaches the level, again after a "
              "remote moved it", flush=True)

        # motor fader 2: remote moves come back as CC...
        mark = wing.mark()
        oscsend("127.0.0.1", 7700, "/gl/fader/2", "f", 0.5)
        wing.wait_in("B0 02 40", mark)
        # ...but not while the operator's hand is on it
        mark = wing.mark()
        touched = wing.send("B0 02 64")
        s.wait("fader 2 at 100/127 (slot 6 = 201)", lambda f: near(f[5], 201))
        oscsend("127.0.0.1", 7700, "/gl/fader/2", "f", 0.25)
        t, _ = wing.wait_in("B0 02 20", mark)
        held = (t - touched) / 1e9
        if held < TOUCH_HOLD_S - 0.05:
            die("the remote's level reached the motor fader %.3f s after the hand moved it "
                "(touch_hold %.1f s)" % (held, TOUCH_HOLD_S))
        if any(m == bytes.fromhex("B0 02 64") for _, m in wing.messages(mark)):
            die("the fader's own value was echoed back to it")
        s.wait("fader 2 at 0.25 (slot 6 = 64)", lambda f: near(f[5], 64))
        print("motor fader: remote levels sent, held %.2f s while the hand was on it, its "
              "own moves never echoed" % held, flush=True)

        # an attribute, a show function (it logs and sends a CC with midi.send)
        wing.send("B0 04 40")
        s.wait("dim 8 at 64/127 (slot 8 = 128)", lambda f: near(f[7], 128))
        mark = wing.mark()
        wing.send("90 48 64")
        run.wait_log("midi note 72 ch 1 at 0.79")
        wing.wait_in("B0 14 64", mark)
        print("attribute mapping on the wire; the show's function ran and sent MIDI", flush=True)

        # blackout toggles, LED lit while it is on
        mark = wing.mark()
        wing.send("90 46 7F")
        s.wait("blackout (all 0)", lambda f: not any(f[:8]))
        wing.wait_in("90 46 7F", mark)
        wing.send("90 46 7F")
        s.wait("blackout lifted (slot 1 = 51)", lambda f: f[0] == 51)
        wing.wait_in("90 46 00", mark)

        # bad bytes: malformed MSC, someone else's sysex, a sysex cut short by
        # a controller change (RtMidi holds the sysex until an F7 comes)
        wing.send("F0 7F 01 02 01 01 41 F7")
        wing.send("F0 00 20 29 02 F7")
        wing.send("F0 7F 7F 02 01")
        wing.send("B0 04 7F F7")
        s.wait("the CC after the cut sysex (slot 8 = 255)", lambda f: f[7] == 255)
        run.wait_log("dropped: malformed: msc: a cue field holds more than digits")
        run.wait_log("dropped: malformed: sysex without F7")
        if s.slots[0] != 51:
            die("bad input changed slot 1 to %d" % s.slots[0])
        print("malformed MSC, a foreign sysex and a cut sysex dropped and logged; the CC "
              "inside still worked", flush=True)

        # the wing unplugged and back: found again, and its LEDs set again
        wing.cmd("out-close")
        run.wait_log("midi-peer:out is gone")
        wing.cmd("out-virtual")
        wait_text(os.path.join(work, "gl.log"), "reading midi-peer:out", WAIT_S)
        deadline = time.monotonic() + WAIT_S
        while run.log().count("reading midi-peer:out") < 2:
            if time.monotonic() > deadline:
                die("ghostlight did not open midi-peer:out again:\n" + run.log()[-1500:])
            time.sleep(0.05)
        wing.send("90 41 7F")
        s.wait("cue 2 by GOTO after the wing came back (slot 1 = 255)", lambda f: f[0] == 255)
        mark = wing.mark()
        wing.cmd("in-virtual")         # its input port gone and back at once
        for led in ("90 3C 7F", "90 41 7F", "90 46 00"):
            wing.wait_in(led, mark)
        print("wing unplugged and plugged back in (both ports): opened again, every LED "
              "sent again", flush=True)
    finally:
        run.finish()
    run.summary({"malformed": 3, "pickup": 2, "unmapped": 1})
    print("PASS: midi_wing", flush=True)


# ---- show control: MSC, MTC, MIDI cues ------------------------------------------------------

def msc(device, fmt, cmd, data=""):
    return ("F0 7F %02X 02 %02X %02X %s F7" % (device, fmt, cmd, data)).replace("  ", " ")


def ascii_hex(text):
    return " ".join("%02X" % ord(c) for c in text)


def mtc_times(messages):
    """(rate, [frames...]) of each complete forward cycle of quarter frames in
    messages: our own reading, apart from ghostlight's."""
    fps_of = {0: 24, 1: 25, 2: 30, 3: 30}
    times, nib, expect, rate = [], {}, 0, None
    for _, m in messages:
        if len(m) != 2 or m[0] != 0xF1:
            continue
        piece, value = m[1] >> 4, m[1] & 15
        if piece != expect:
            nib, expect = {}, 0
            if piece != 0:
                continue
        nib[piece] = value
        expect = (piece + 1) % 8
        if piece == 7:
            rate = nib[7] >> 1
            f = nib[0] | (nib[1] & 1) << 4
            sec = nib[2] | (nib[3] & 3) << 4
            mi = nib[4] | (nib[5] & 3) << 4
            h = nib[6] | (nib[7] & 1) << 4
            times.append(((h * 60 + mi) * 60 + sec) * fps_of[rate] + f)
            nib = {}
    return rate, times


def control(gl, peer_path, show, work):
    variant = os.path.join(work, "midi_tc.lua")
    src = read(show)
    src = src.replace('mtc_out = "off"', 'mtc_out = "show", mtc_out_start = "10:00:00:00"')
    with open(variant, "w") as f:
        f.write(src)
    run = Run(gl, peer_path, show, work)
    wing = run.peer("midi-peer")
    desk = run.peer("desk")
    dumps = os.path.join(work, "dump9101")
    run.procs.start("dump9101", ["oscdump", "-L", "9101"])
    try:
        mark = wing.mark()
        run.start(variant)
        s = run.sacn
        run.wait_log("reading ghostlight:in")
        desk.cmd("out-connect ghostlight:in")
        oscsend("127.0.0.1", 7700, "/gl/subscribe", "i", 9101)
        wait_text(dumps, '/gl/out/list/1/state s "off"')

        # MTC out: a full frame to locate, then quarter frames at 25 from 10:00:00:00
        _, full = wing.wait_in(lambda m: m[:5] == bytes.fromhex("F0 7F 7F 01 01"), mark,
                               what="an MTC full frame")
        if full[5] != 0x20 | 10:
            die("the full frame's hours byte is %02X, not 2A (25 fps, 10 h)" % full[5])
        wing.wait_in(lambda m: m[0] == 0xF1 and m[1] >> 4 == 7, mark, what="quarter frames")
        time.sleep(0.5)
        rate, times = mtc_times(wing.messages(mark))
        steps = [b - a for a, b in zip(times, times[1:])]
        # two frames apart; a loaded machine's late loop skips whole cycles
        # (4, 6, ... frames), never sends one out of step
        if (rate != 1 or len(times) < 3 or times[0] < 10 * 3600 * 25 or
                any(d <= 0 or d % 2 for d in steps)):
            die("MTC out: rate %s, times %s" % (rate, times[:12]))
        print("MTC out: full frame, then %d whole times at 25 fps from 10:00:00:00, %d of "
              "%d steps two frames" % (len(times), steps.count(2), len(steps)), flush=True)

        # GO without a cue: the lists whose next cue is lowest (Main and Fx: cue 1)
        desk.send(msc(1, 1, 1))
        s.wait("Main and Fx at cue 1 (slots 1, 4 = 51, 255)", lambda f: f[0] == 51 and f[3] == 255)
        desk.send(msc(1, 1, 1, ascii_hex("2") + " 00 " + ascii_hex("1")))
        s.wait("Main cue 2 (slot 1 = 255)", lambda f: f[0] == 255)
        desk.send(msc(2, 1, 1, ascii_hex("3") + " 00 " + ascii_hex("1")))   # not us
        steady(s, 1, 255)
        mark = wing.mark()
        desk.send(msc(0x7F, 0x7F, 1, ascii_hex("3") + " 00 " + ascii_hex("1")))   # all-call
        s.wait("Main cue 3 by all-call (slot 1 = 128)", lambda f: f[0] == 128)
        for m in ("91 64 63", "BF 15 07", "C0 09", "F0 7D 01 02 03 F7",
                  "F0 7F 10 02 10 01 31 32 2E 35 00 33 F7"):
            wing.wait_in(m, mark)
        print("MSC GO (next cues of every list, a cue in a list, all-call); another "
              "device's ignored; cue 3's MIDI (note, cc, program, sysex, MSC) sent", flush=True)

        # STOP halts the running fade, RESUME goes on (list state from OSC)
        desk.send(msc(1, 1, 1, ascii_hex("4") + " 00 " + ascii_hex("1")))
        wait_text(dumps, '/gl/out/list/1/active ss "4" "Slow"')
        desk.send(msc(1, 1, 2))
        wait_text(dumps, '/gl/out/list/1/state s "paused"')
        desk.send(msc(1, 1, 3, "00 " + ascii_hex("1")))
        deadline = time.monotonic() + WAIT_S
        while read(dumps).rfind('state s "running"') < read(dumps).rfind('state s "paused"'):
            if time.monotonic() > deadline:
                die("RESUME did not set Main running again")
            time.sleep(0.05)
        # LOAD then GO: the loaded cue, not the next one
        desk.send(msc(1, 1, 5, ascii_hex("1") + " 00 " + ascii_hex("1")))
        desk.send(msc(1, 1, 1, "00 " + ascii_hex("1")))
        s.wait("the loaded cue 1 (slot 1 = 51)", lambda f: f[0] == 51)
        # TIMED_GO: a GO on the cue's own times
        desk.send(msc(1, 1, 4, "60 00 05 00 00 " + ascii_hex("2") + " 00 " + ascii_hex("1")))
        s.wait("cue 2 by TIMED_GO (slot 1 = 255)", lambda f: f[0] == 255)
        run.wait_log("timed_go: a GO on the cue's own times")
        print("MSC STOP pauses, RESUME goes on, LOAD + GO, TIMED_GO", flush=True)

        # SET to our group (2 = 71) in all-types: the grand master
        desk.send(msc(0x71, 0x7F, 6, "7E 03 00 40"))
        s.wait("grand master at half (slot 1 = 128)", lambda f: near(f[0], 128))
        desk.send(msc(0x71, 0x7F, 6, "7E 03 7F 7F"))
        s.wait("grand master at full (slot 1 = 255)", lambda f: f[0] == 255)
        # FIRE macro 5 (mapped to blackout), RESTORE; ALL_OFF, RESTORE
        desk.send(msc(1, 1, 7, "05"))
        s.wait("blackout by FIRE 5", lambda f: not any(f[:8]))
        desk.send(msc(1, 1, 9))
        s.wait("RESTORE", lambda f: f[0] == 255)
        desk.send(msc(1, 1, 8))
        s.wait("ALL_OFF", lambda f: not any(f[:8]))
        desk.send(msc(1, 1, 9))
        s.wait("RESTORE", lambda f: f[0] == 255)
        # malformed: a letter in the cue, over 128 bytes
        desk.send(msc(1, 1, 1, "41"))
        desk.send(msc(1, 1, 1, " ".join(["31"] * 130)))
        run.wait_log("longer than the 128 bytes MSC allows")
        steady(s, 1, 255)
        # RESET: every list stops
        desk.send(msc(1, 1, 0x0A))
        s.wait("RESET: every list stopped", lambda f: not any(f[:8]))
        print("MSC SET (grand master, to our group), FIRE, ALL_OFF/RESTORE, RESET; "
              "malformed MSC dropped", flush=True)

        # MTC chase: lock, freewheel on dropout, stop, locate, 29.97 drop frame
        # and the list on timecode = "mtc" follows it: its cues at their times
        desk.cmd("mtc 25 01:00:00:00")
        run.wait_log("mtc locking at 01:00:00")
        run.wait_log("mtc locked at 01:00:00")
        s.wait("Song's cue 2 at 01:00:01:00 on MTC (slot 7 = 255)", lambda f: f[6] == 255)
        desk.cmd("mtc-stop")
        run.wait_log("mtc freewheel at 01:00:0")
        run.wait_log("mtc stopped at 01:00:0")
        desk.cmd("full 25 02:00:00:00")
        run.wait_log("mtc jumped to 02:00:00:00")
        desk.cmd("mtc 29.97df 00:09:59;20")
        run.wait_log("mtc locked at 00:09:59;")
        run.wait_log("(29.97df frames/s)")
        s.wait("Song back before its first cue with the code (slot 7 = 0)", lambda f: f[6] == 0)
        print("MTC chase: locked at 25, freewheeled and stopped when it stopped, located "
              "by a full frame, locked at 29.97 drop frame; a timecode cue list followed it "
              "(its cue at its time, back to nothing when the code jumped back)", flush=True)
        desk.cmd("mtc-stop")
    finally:
        run.finish()
    run.summary({"malformed": 2, "not for us": 1})
    print("PASS: midi_show_control", flush=True)


# ---- the benchmark ---------------------------------------------------------------------------

def bench(gl, peer_path, show, work, gos):
    run = Run(gl, peer_path, show, work)
    wing = run.peer("midi-peer")
    try:
        run.start()
        wing.wait_in("90 40 05")          # ghostlight has the wing open
        time_gos(run.sacn, gos, lambda cue: wing.send_nowait("90 %02X 7F" % (63 + cue)),
                 "MIDI note (JACK dummy backend, 256 frames at 48 kHz)")
    finally:
        run.finish()


if __name__ == "__main__":
    run_main(__doc__, {"wing": wing, "control": control, "bench": bench}, nargs=4)
