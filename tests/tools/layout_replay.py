#!/usr/bin/env python3
"""layout_replay.py - the tablet-layout replay test (run by
tests/integration/layout_replay.sh inside its own network namespace).

    layout_replay.py GHOSTLIGHT SOURCE_DIR TOUCHOSC WORKDIR

Reads the built TouchOSC Mk1 layout (TOUCHOSC, the .touchosc zip) and the
Open Stage Control session, finds every control's address (layouts.py) and
plays each layout against a real `ghostlight play shows/test/tablet.lua` as
the tablet would: it sends what each control sends, listens where each
control listens, and keeps the layout's keep-alive.

1. Every address is one ghostlight accepts or sends (its own table).
2. Feedback: after the layout subscribes, every display control gets its
   first message within a second; each sending control's message is
   accepted, and the displays that show its effect change within a second
   (GO -> active / standby cue, faders, GM, blackout, panic); a fader moved
   by another remote shows; an error shows. Every address received is in
   the table, and every feedback address of the table was seen.
3. Idle: with the show's timeout and heartbeat scaled down (timeout 2.5 s,
   a quarter of the default 10 s), the layouts' keep-alive intervals scaled
   by the same factor, and 60 s of idle scaled to 15 s: the Open Stage
   Control session stays subscribed (its keep-alive must fit at least twice
   into ghostlight's default timeout). A TouchOSC Mk1 layout cannot send on
   its own: the test shows it is dropped when idle, that CONNECT brings back
   the full state, and that a tablet listed in the show's `remotes` stays.

Assertions that wait for the app-harden branch (issue 12's protocol fixes)
say so in their failure message.

Plain Python 3 standard library. One-second budgets are the issue's
acceptance figure; every other wait is a generous deadline.
"""
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import layouts  # noqa: E402
import osc_remote  # noqa: E402
from osc_remote import osc_parse  # noqa: E402

OSC_PORT = 7700
DEFAULT_TIMEOUT_S = 10.0     # osc { timeout } when the show says nothing
SCALE = 0.25                 # idle phase: timeouts, heartbeats, keep-alives
WAIT_S = 10.0
# each tablet its own host (all loopback): one tablet's messages never
# renew another's subscription
MK1_HOST, OSC_HOST, REMOTE_HOST = "127.0.0.2", "127.0.0.3", "127.0.0.4"
WITHIN_S = 1.0
NEEDS_HARDEN = "waits for app-harden's fix: "
waiting = []                 # failures that the issue-12 protocol fixes remove


def die(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def needs_fix(fix, msg):
    """A failure that the app-harden branch fixes: reported, and the test
    goes on so that everything else is still checked; fails at the end."""
    print("FAIL (%s%s): %s" % (NEEDS_HARDEN, fix, msg), flush=True)
    waiting.append(msg)


# ---- OSC (osc_remote.py's encoder, independent of the code under test) -------------

def osc_message(address, args):
    return osc_remote.osc_message(address, *args)


# ---- the emulated tablet ------------------------------------------------------------

class Tablet:
    """Listens on `port` like the app; sends from it (Open Stage Control
    sends from its OSC port) or from another socket (TouchOSC Mk1: assume
    the worst, a port of its own)."""

    def __init__(self, name, controls, host, port, send_from_listen_port, level=0.5):
        self.name, self.controls, self.port = name, controls, port
        self.level = level       # where this tablet moves faders to
        self.rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rx.bind((host, port))
        if send_from_listen_port:
            self.tx = self.rx
        else:
            self.tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.tx.bind((host, 0))
        self.got = []            # (monotonic time, address, args)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        threading.Thread(target=self._receive, daemon=True).start()
        self.keepalive = None

    def _receive(self):
        self.rx.settimeout(0.1)
        while not self.stop.is_set():
            try:
                data = self.rx.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                address, args = osc_parse(data)
            except (ValueError, IndexError, struct.error):
                continue
            with self.lock:
                self.got.append((time.monotonic(), address, args))

    def close(self):
        self.stop.set()
        if self.keepalive:
            self.keepalive.join()
        self.rx.close()
        if self.tx is not self.rx:
            self.tx.close()

    def send(self, address, args):
        self.tx.sendto(osc_message(address, args), ("127.0.0.1", OSC_PORT))

    def press(self, control):
        """What touching the control sends (press, then release)."""
        for address, args in control.sends:
            self.send(address, args)

    def control(self, address, kind="send"):
        for c in self.controls:
            if c.kind == kind and any(a == address for a, _ in c.sends):
                return c
        return None

    def start_keepalive(self, scale):
        """Runs the layout's own keep-alive (its period times `scale`)."""
        ka = [c for c in self.controls if c.kind == "keepalive"]
        if not ka:
            return None
        c = ka[0]

        def run():
            while not self.stop.wait(c.interval_s * scale):
                self.press(c)
        self.press(c)
        self.keepalive = threading.Thread(target=run, daemon=True)
        self.keepalive.start()
        return c

    def since(self, t0, address=None):
        with self.lock:
            return [(t, a, v) for t, a, v in self.got
                    if t >= t0 and (address is None or a == address)]

    def wait(self, what, pred, t0, budget):
        """The first message after t0 satisfying pred(address, args), which
        must arrive within `budget` seconds of t0 (a generous deadline
        decides only whether it arrives at all)."""
        deadline = time.monotonic() + max(budget, WAIT_S)
        while time.monotonic() < deadline:
            for t, a, v in self.since(t0):
                if pred(a, v):
                    if t - t0 > budget:
                        die("%s: %s arrived %.2f s after the touch, not within %.1f s" %
                            (self.name, what, t - t0, budget))
                    return v
            time.sleep(0.01)
        last = [(a, v) for _, a, v in self.since(t0)][-8:]
        die("%s: %s never arrived (last: %s)" % (self.name, what, last))

    def displays(self):
        return [c for c in self.controls if c.kind == "display"]


# ---- processes ---------------------------------------------------------------------

def start_show(gl, show, work, tag):
    log = open(os.path.join(work, "gl-%s.log" % tag), "w")
    p = subprocess.Popen([gl, "play", show, "--no-status"], stdout=log, stderr=subprocess.STDOUT)
    # ready when it answers a ping
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.2)
    deadline = time.monotonic() + WAIT_S
    try:
        while time.monotonic() < deadline:
            if p.poll() is not None:
                die("ghostlight play exited with %s:\n%s" % (p.returncode, read_log(work, tag)))
            s.sendto(osc_message("/gl/ping", [1]), ("127.0.0.1", OSC_PORT))
            try:
                if osc_parse(s.recv(2048))[0] == "/gl/pong":
                    return p
            except socket.timeout:
                pass
        die("ghostlight never answered /gl/ping:\n" + read_log(work, tag))
    finally:
        s.close()


def stop_show(p, work, tag):
    p.send_signal(2)
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        die("ghostlight play did not end on SIGINT")
    if p.returncode != 0:
        die("ghostlight play exited with %s:\n%s" % (p.returncode, read_log(work, tag)))
    return read_log(work, tag)


def read_log(work, tag):
    with open(os.path.join(work, "gl-%s.log" % tag), errors="replace") as f:
        return f.read()


def drops(log):
    """Dropped-message counts by reason from play's closing summary."""
    lines = [l for l in log.splitlines() if "osc:" in l and "messages received" in l]
    if not lines:
        die("no OSC summary line in ghostlight's log:\n" + log[-2000:])
    if "(" not in lines[-1]:
        return {}
    return {m.group(1).strip(): int(m.group(2))
            for m in re.finditer(r"([a-z ]+) (\d+)(?=[,)])", lines[-1].split("(", 1)[1])}


# ---- 1: addresses ------------------------------------------------------------------

def check_addresses(table, files):
    problems = []
    for path, controls in files:
        problems += layouts.check(table, os.path.basename(path), controls)
    for p in problems:
        print("  " + p)
    if problems:
        die("%d controls use addresses ghostlight does not have" % len(problems))
    print("every address is one ghostlight accepts or sends", flush=True)


# ---- 2: feedback -------------------------------------------------------------------

def subscribe(tab, scale=1.0):
    """Connects the way the layout does: its keep-alive, else its CONNECT."""
    t0 = time.monotonic()
    if tab.start_keepalive(scale):
        return t0
    connect = tab.control("/gl/subscribe")
    if not connect:
        die("%s: the layout has no keep-alive and no control that sends /gl/subscribe" %
            tab.name)
    tab.press(connect)
    return t0


def first_state(tab, t0, budget=WITHIN_S):
    """Every display control gets a message within the budget after
    subscribing (the link counter within one heartbeat; errors need one)."""
    for c in tab.displays():
        for address in c.listens:
            if address in ("/gl/out/error", "/gl/out/heartbeat"):
                continue
            v = tab.wait("%s (%s)" % (address, c.name), lambda a, v, x=address: a == x, t0,
                         budget)
            if address == "/gl/out/show" and v != ["Tablet test"]:
                needs_fix("/gl/out/show on the default adapter",
                          "%s: the show name label got %s, not \"Tablet test\"" % (tab.name, v))
    tab.wait("a heartbeat (link)", lambda a, v: a == "/gl/out/heartbeat", t0, budget + 1.0)


def feedback(tab, other):
    print("%s: subscribing the way the layout does" % tab.name, flush=True)
    t0 = subscribe(tab)
    first_state(tab, t0)
    print("%s: every display control got the console's state within %.0f s" %
          (tab.name, WITHIN_S), flush=True)

    def touch(address, value_pred, what, shows):
        c = tab.control(address) if value_pred is None else [
            x for x in tab.controls if x.kind == "send" and
            any(a == address and value_pred(v) for a, v in x.sends)][0]
        if c is None:
            die("%s: no control sends %s" % (tab.name, address))
        t = time.monotonic()
        tab.press(c)
        for show_address, pred in shows:
            tab.wait("%s after %s" % (show_address, what), lambda a, v, s=show_address, p=pred:
                     a == s and p(v), t, WITHIN_S)
        return c

    # GO: cue 1 becomes active, cue 2 standby, the fade runs
    touch("/gl/go", None, "GO", [("/gl/out/list/1/active/label", lambda v: v == ["Warm"]),
                                 ("/gl/out/list/1/standby/label", lambda v: v == ["Blue"]),
                                 ("/gl/out/list/1/state", lambda v: v == ["running"]),
                                 ("/gl/out/list/1/progress", lambda v: 0 < v[0] <= 1)])
    touch("/gl/go", None, "GO", [("/gl/out/list/1/active/number", lambda v: v == ["2"])])
    touch("/gl/back", None, "BACK", [("/gl/out/list/1/active/number", lambda v: v == ["1"])])
    touch("/gl/stop", None, "STOP", [("/gl/out/list/1/state", lambda v: v == ["off"])])
    print("%s: GO / BACK / STOP change the cue labels, state and fade progress" % tab.name,
          flush=True)

    # faders: the console's level shows where the layout shows it
    for c in [x for x in tab.controls if x.kind == "send" and
              any(re.match(r"/gl/(fader/\d+|gm)$", a) for a, _ in x.sends)]:
        address, args = c.sends[0]
        if args != [0.5]:
            die("%s: %s sends %s for half its travel: not a 0..1 level" % (tab.name, c, args))
        out = address.replace("/gl/", "/gl/out/")
        t = time.monotonic()
        tab.send(address, [tab.level])        # a level no other tablet left there
        tab.wait("%s after moving %s" % (out, c.name),
                 lambda a, v, o=out, x=tab.level: a == o and abs(v[0] - x) < 0.01, t, WITHIN_S)
        # and on the control's own address, where a Mk1 fader listens
        tab.wait("%s echoed after moving %s" % (address, c.name),
                 lambda a, v, o=address, x=tab.level: a == o and abs(v[0] - x) < 0.01, t,
                 WITHIN_S)
        if not any(out in d.listens for d in tab.displays()):
            die("%s: nothing in the layout shows %s" % (tab.name, out))
    # moved by another remote
    t = time.monotonic()
    other.sendto(osc_message("/gl/fader/2", [0.25]), ("127.0.0.1", OSC_PORT))
    tab.wait("fader 2 moved by another remote", lambda a, v: a == "/gl/out/fader/2" and
             abs(v[0] - 0.25) < 0.01, t, WITHIN_S)
    tab.wait("fader 2 follows another remote", lambda a, v: a == "/gl/fader/2" and
             abs(v[0] - 0.25) < 0.01, t, WITHIN_S)
    print("%s: faders and GM show the console's level, another remote's moves too" %
          tab.name, flush=True)

    touch("/gl/blackout", lambda v: v == [1.0], "BLACKOUT",
          [("/gl/out/blackout", lambda v: v == [1])])
    touch("/gl/blackout", lambda v: v == [0.0], "RESTORE",
          [("/gl/out/blackout", lambda v: v == [0])])
    touch("/gl/go", None, "GO", [("/gl/out/list/1/state", lambda v: v == ["running"])])
    touch("/gl/panic", None, "PANIC", [("/gl/out/blackout", lambda v: v == [1]),
                                      ("/gl/out/list/1/state", lambda v: v == ["off"])])
    touch("/gl/blackout", lambda v: v == [0.0], "RESTORE",
          [("/gl/out/blackout", lambda v: v == [0])])
    print("%s: BLACKOUT, RESTORE and PANIC show on the blackout lamp" % tab.name, flush=True)

    # the rest (fixture page, CLEAR, REFRESH): accepted; counted at the end
    rest = [c for c in tab.controls if c.kind == "send" and
            not any(re.match(r"/gl/(go|back|stop|panic|blackout|gm|fader/\d+|subscribe)$", a)
                    for a, _ in c.sends)]
    for c in rest:
        tab.press(c)
    # an error shows
    t = time.monotonic()
    tab.send("/gl/fader/99", [0.5])
    tab.wait("/gl/out/error after a bad message", lambda a, v: a == "/gl/out/error", t, WITHIN_S)
    print("%s: %d more controls sent (fixture page, CLEAR, REFRESH); an error shows" %
          (tab.name, len(rest)), flush=True)
    return sum(len(c.sends) for c in tab.controls if c.kind == "send")


# ---- 3: idle -----------------------------------------------------------------------

def heartbeat_gap(tab, t0, t1):
    beats = [t for t, a, _ in tab.since(t0) if a == "/gl/out/heartbeat" and t <= t1]
    if len(beats) < 2:
        return None
    return max(b - a for a, b in zip([t0] + beats, beats + [t1]))


def idle(gl, show, work, table_files, timeout_s):
    mk1_controls, osc_controls = table_files
    variant = os.path.join(work, "tablet-idle.lua")
    with open(show) as f, open(variant, "w") as out:
        out.write(f.read())
        out.write('\nosc { timeout = %g, heartbeat = %g, remotes = {"osc.udp://%s:9002"} }\n'
                  % (timeout_s, timeout_s / 10, REMOTE_HOST))
    ka = [c for c in osc_controls if c.kind == "keepalive"][0]
    if ka.interval_s > DEFAULT_TIMEOUT_S / 2:
        die("the session renews every %g s: fewer than two renewals per %g s timeout" %
            (ka.interval_s, DEFAULT_TIMEOUT_S))
    idle_s = 60 * SCALE
    p = start_show(gl, variant, work, "idle")
    tabs = []
    try:
        osc_tab = Tablet("Open Stage Control", osc_controls, OSC_HOST, 9001, True)
        mk1_tab = Tablet("TouchOSC Mk1", mk1_controls, MK1_HOST, 9000, False)
        remote_tab = Tablet("TouchOSC Mk1 in remotes", mk1_controls, REMOTE_HOST, 9002, False)
        tabs = [osc_tab, mk1_tab, remote_tab]
        t0 = time.monotonic()
        subscribe(osc_tab, SCALE)
        subscribe(mk1_tab)
        osc_tab.wait("the first state", lambda a, v: a == "/gl/out/show", t0, WITHIN_S)
        mk1_tab.wait("the first state", lambda a, v: a == "/gl/out/show", t0, WITHIN_S)
        print("idle: timeout %g s, heartbeat %g s, keep-alive every %g s (the session's %g s "
              "scaled by %g), %g s idle (60 s scaled)" % (timeout_s, timeout_s / 10,
                                                          ka.interval_s * SCALE, ka.interval_s,
                                                          SCALE, idle_s), flush=True)
        time.sleep(idle_s)
        t1 = time.monotonic()
        # another remote changes something: who still gets it?
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(osc_message("/gl/fader/3", [0.75]), ("127.0.0.1", OSC_PORT))
        osc_tab.wait("a fader move after %g s idle" % idle_s, lambda a, v: a ==
                     "/gl/out/fader/3" and abs(v[0] - 0.75) < 0.01, t1, WITHIN_S)
        remote_tab.wait("a fader move after %g s idle" % idle_s, lambda a, v: a ==
                        "/gl/out/fader/3" and abs(v[0] - 0.75) < 0.01, t1, WITHIN_S)
        gap = heartbeat_gap(osc_tab, t0, t1)
        if gap is None or gap > timeout_s:
            die("the session missed heartbeats for %s s while idle: it was dropped" % gap)
        shows = len(osc_tab.since(t0, "/gl/out/show"))
        mk1_last = [t for t, a, _ in mk1_tab.since(t0) if a == "/gl/out/heartbeat"]
        if mk1_last and t1 - mk1_last[-1] < timeout_s:
            die("an idle TouchOSC Mk1 tablet still gets heartbeats after %g s: expected it "
                "dropped after the %g s timeout" % (idle_s, timeout_s))
        # CONNECT brings everything back
        t2 = time.monotonic()
        subscribe(mk1_tab)
        first_state(mk1_tab, t2)
        s.close()
    finally:
        for tab in tabs:
            tab.close()
        log = stop_show(p, work, "idle")
    if re.search(r"subscriber \S*%s:9001\S* silent" % re.escape(OSC_HOST), log):
        die("ghostlight dropped the Open Stage Control session as silent:\n" + log[-1500:])
    print("idle: the Open Stage Control session stayed subscribed %g s (heartbeat gaps at most "
          "%.2f s); the Mk1 tablet in `remotes` too" % (idle_s, gap), flush=True)
    print("idle: an idle TouchOSC Mk1 tablet is dropped after the timeout (Mk1 cannot send on "
          "its own); its CONNECT brings back the full state within %.0f s" % WITHIN_S,
          flush=True)
    if shows != 1:
        needs_fix("a renewal refreshes the timeout without a full resend",
                  "the session's %d renewals sent it the full state %d times, not once" % (
                      int(idle_s / (ka.interval_s * SCALE)), shows))


# ---- the test ----------------------------------------------------------------------

def main():
    if len(sys.argv) != 5:
        print(__doc__)
        sys.exit(2)
    gl, src, touchosc, work = sys.argv[1:]
    session = os.path.join(src, "assets", "ghostlight.osc-session.json")
    show = os.path.join(src, "shows", "test", "tablet.lua")
    table = layouts.AddressTable(gl)
    mk1 = layouts.load(touchosc)
    osc = layouts.load(session)
    check_addresses(table, [(touchosc, mk1), (session, osc)])

    p = start_show(gl, show, work, "feedback")
    tabs = []
    try:
        other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        tabs = [Tablet("TouchOSC Mk1", mk1, MK1_HOST, 9000, False, 0.4),
                Tablet("Open Stage Control", osc, OSC_HOST, 9001, True, 0.6)]
        sent = sum(feedback(tab, other) for tab in tabs)
        tabs[1].send("/gl/ping", [1])          # the two feedback addresses no layout shows
        tabs[1].send("/gl/memory", [])
        time.sleep(0.5)
        other.close()
    finally:
        for tab in tabs:
            tab.close()
        log = stop_show(p, work, "feedback")
    received = {a for tab in tabs for _, a, _ in tab.since(0)}
    unknown = sorted(a for a in received if not table.sent(a))
    if unknown:
        die("ghostlight sent addresses its table does not list: %s" % unknown)
    # the audio part's feedback comes only from a show that plays sound
    # (tablet.lua does not; tests/integration/audio_play.sh sees it)
    unseen = [pat for pat, rx in table.feedback
              if not pat.startswith("/gl/out/audio/") and not any(rx.match(a) for a in received)]
    if unseen:
        die("feedback addresses in the table that never arrived: %s" % unseen)
    print("every address received is in ghostlight's table; every feedback address of the "
          "table arrived", flush=True)
    dropped = drops(log)
    expected = {"no such target": 2}       # the two /gl/fader/99 errors
    if {k: v for k, v in dropped.items() if v} != expected:
        die("ghostlight dropped %s; expected only the test's own bad messages %s" %
            (dropped, expected))
    print("all %d messages the layouts' controls sent were accepted" % sent, flush=True)

    idle(gl, show, work, (mk1, osc), DEFAULT_TIMEOUT_S * SCALE)
    if waiting:
        die("%d assertions wait for the app-harden branch (above); everything else passed" %
            len(waiting))
    print("PASS: layout_replay", flush=True)


if __name__ == "__main__":
    main()
