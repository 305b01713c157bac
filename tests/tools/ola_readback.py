#!/usr/bin/python3
"""ola_readback.py - plays a show with ghostlight into a running olad and
checks what olad received against `ghostlight render`.

    ola_readback.py --ghostlight BIN --show SHOW --map 1:1,2:2 --duration S
                    [--log FILE] [--pidfile FILE] [--watch-end S]

--map pairs ghostlight universes with the OLA universes their input ports
are patched to. Steps: render the show on a 10 ms grid and find its
plateaus; connect to olad (localhost:9010) and register for the OLA
universes; start `ghostlight play --duration S --no-status`; t=0 is the
first update olad reports (the first packet, i.e. the engine's first tick,
plus a few ms); in the middle of each plateau, FetchDmx every universe and
require it to equal render there, slot for slot. After ghostlight ends,
watch for --watch-end seconds and report what olad does with the stream
(sACN: 3 stream-terminated packets should make it drop the source at once).

Needs Debian's python3-ola (run with /usr/bin/python3). Exits 0 when all
checks pass, 1 otherwise.
"""
import argparse
import os
import select
import subprocess
import sys
import time

sys.dont_write_bytecode = True    # never leave __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gltest  # noqa: E402

try:
    from ola.OlaClient import OlaClient, OLADNotRunningException
except ImportError as e:  # pragma: no cover
    gltest.die("the OLA Python client is missing (%s): install ola-python, "
               "run with /usr/bin/python3" % e)

GRID_S = 0.01
PLATEAU_MIN_S = 0.6     # sample plateaus at least this long, in the middle
FIRST_DATA_TIMEOUT_S = 10


class Reader:
    """One OLA client: a log of every update olad pushes for the registered
    universes, and FetchDmx results keyed by the caller's tag."""

    def __init__(self, ola_universes):
        try:
            self.client = OlaClient()
        except OLADNotRunningException:
            gltest.die("cannot connect to olad on localhost:9010")
        self.sock = self.client.GetSocket()
        self.updates = {u: [] for u in ola_universes}   # u -> [(time, data)]
        self.fetched = {}
        self.pending = 0
        for u in ola_universes:
            self._call(lambda done, u=u: self.client.RegisterUniverse(
                u, self.client.REGISTER, callback=done,
                data_callback=lambda d, u=u: self._update(u, d)))

    def _update(self, u, data):
        self.updates[u].append((time.time(), list(data)))

    def _call(self, start):
        """Runs one request to completion (bounded)."""
        box = {}
        start(lambda status, *rest: box.setdefault("status", status))
        deadline = time.time() + 5
        while "status" not in box:
            if not self.pump(deadline - time.time()):
                if time.time() >= deadline:
                    gltest.die("olad did not answer a request within 5 s")
        if not box["status"].Succeeded():
            gltest.die("olad refused a request: %s" % box["status"].message)

    def fetch(self, tag, u):
        def done(status, universe, data):
            self.pending -= 1
            self.fetched[tag] = (time.time(), status.Succeeded(), list(data),
                                 status.message if not status.Succeeded() else "")
        self.pending += 1
        self.client.FetchDmx(u, done)

    def pump(self, timeout):
        """Handles what olad sent within `timeout` s. True if anything came."""
        r, _, _ = select.select([self.sock], [], [], max(0.0, timeout))
        if r:
            self.client.SocketReady()
            return True
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ghostlight", required=True)
    ap.add_argument("--show", required=True)
    ap.add_argument("--map", required=True, help="GLU:OLAU,...")
    ap.add_argument("--duration", type=float, required=True)
    ap.add_argument("--log", default=os.devnull, help="ghostlight's stderr goes here")
    ap.add_argument("--pidfile", help="write ghostlight's PID here (for the caller's cleanup)")
    ap.add_argument("--watch-end", type=float, default=2.0)
    a = ap.parse_args()
    umap = {int(g): int(o) for g, o in (x.split(":") for x in a.map.split(","))}

    times = gltest.grid(a.duration, GRID_S)
    rendered = gltest.render(a.ghostlight, a.show, times)
    for g in umap:
        if g not in rendered[0]:
            gltest.die("render has no universe %d" % g)
    plateaus, fades = gltest.segments(times, rendered, PLATEAU_MIN_S)
    samples = [round((p0 + p1) / 2, 2) for p0, p1 in plateaus if (p0 + p1) / 2 < a.duration - 0.5]
    print("render: plateaus %s; sampling at %s s" % (["%.2f-%.2f" % p for p in plateaus], samples))
    lit = [t for t in samples if any(any(rendered[int(round(t / GRID_S))][g]) for g in umap)]
    if len(lit) < 2:
        gltest.die("the show needs at least 2 plateaus with light on within %.1f s to test "
                   "anything (found %s)" % (a.duration, lit))

    rd = Reader(sorted(umap.values()))
    # What olad holds before ghostlight starts (expected: nothing, no source yet)
    for g, o in umap.items():
        rd.fetch(("before", o), o)
    while rd.pending:
        if not rd.pump(5):
            gltest.die("olad did not answer FetchDmx within 5 s")
    for g, o in umap.items():
        print("before play: OLA universe %d holds %d slots" % (o, len(rd.fetched[("before", o)][2])))

    log = open(a.log, "w")
    gl = subprocess.Popen([a.ghostlight, "play", a.show, "--duration", "%g" % a.duration,
                           "--no-status"], stdout=log, stderr=log)
    if a.pidfile:
        with open(a.pidfile, "w") as f:
            f.write("%d\n" % gl.pid)
    started = time.time()
    try:
        # t0: the first update olad pushes for any mapped universe
        t0 = None
        while t0 is None:
            rd.pump(0.05)
            firsts = [v[0][0] for v in rd.updates.values() if v]
            if firsts:
                t0 = min(firsts)
            elif gl.poll() is not None:
                gltest.die("ghostlight exited (%d) before olad saw any data" % gl.returncode)
            elif time.time() - started > FIRST_DATA_TIMEOUT_S:
                gltest.die("olad saw no data from ghostlight within %d s" % FIRST_DATA_TIMEOUT_S)
        print("olad's first update %.3f s after ghostlight was started: t=0" % (t0 - started))

        pending = list(samples)
        while gl.poll() is None or rd.pending:
            now = time.time()
            while pending and now >= t0 + pending[0]:
                ts = pending.pop(0)
                for g, o in umap.items():
                    rd.fetch((ts, o), o)
            wake = t0 + pending[0] if pending else now + 0.1
            rd.pump(min(0.1, max(0.0, wake - now)))
            if now - started > a.duration + 15:
                gltest.die("ghostlight still running %.0f s after its --duration" % (now - started))
        end = time.time()
        print("ghostlight exited with %d after %.2f s" % (gl.returncode, end - started))
        # after the end: keep listening and fetch once more
        while time.time() < end + a.watch_end:
            rd.pump(end + a.watch_end - time.time())
        for g, o in umap.items():
            rd.fetch(("after", o), o)
        while rd.pending:
            if not rd.pump(5):
                gltest.die("olad did not answer FetchDmx within 5 s")
    finally:
        if gl.poll() is None:
            gl.kill()
            gl.wait()

    problems = []
    if gl.returncode != 0:
        problems.append("ghostlight play exited with %d" % gl.returncode)
    if pending:
        problems.append("ghostlight ended before sample instants %s" % pending)
    for ts in samples:
        if ts in pending:
            continue
        want_frame = rendered[int(round(ts / GRID_S))]
        for g, o in sorted(umap.items()):
            got_at, ok, data, msg = rd.fetched[(ts, o)]
            want = want_frame[g]
            shown = [k for k, v in enumerate(want) if v][:8] or list(range(8))
            same = ok and data == want
            print("t=%.2f ghostlight u%d -> OLA u%d: fetched at t=%.3f, %d slots, slots %s = %s, "
                  "render %s: %s" % (ts, g, o, got_at - t0, len(data),
                                     ",".join(str(k + 1) for k in shown),
                                     [data[k] for k in shown] if len(data) == 512 else data[:8],
                                     [want[k] for k in shown], "ok" if same else "MISMATCH"))
            if not ok:
                problems.append("FetchDmx(%d) at t=%.2f failed: %s" % (o, ts, msg))
            elif not same:
                diff = [(k + 1, data[k] if k < len(data) else None, want[k])
                        for k in range(512) if k >= len(data) or data[k] != want[k]]
                problems.append("OLA universe %d at t=%.2f differs from render of universe %d "
                                "in %d slot(s), e.g. (slot, olad, render) %s"
                                % (o, ts, g, len(diff), diff[:5]))
    for g, o in sorted(umap.items()):
        ups = [t for t, _ in rd.updates[o] if t0 <= t <= end]
        span = (ups[-1] - ups[0]) if len(ups) > 1 else 0
        last_t, last = rd.updates[o][-1] if rd.updates[o] else (0, [])
        after = rd.fetched[("after", o)]
        print("OLA universe %d: %d updates while playing (%.1f/s); after the end: last update "
              "%+.3f s from ghostlight's exit with %d slots (%s), FetchDmx %.1f s after exit "
              "gives %d slots (%s)"
              % (o, len(ups), (len(ups) - 1) / span if span else 0, last_t - end, len(last),
                 "all zero" if not any(last) else "non-zero", a.watch_end, len(after[2]),
                 "all zero" if not any(after[2]) else "non-zero"))
    if problems:
        for p in problems:
            print("FAIL: " + p)
        return 1
    print("PASS: olad read back %d plateau(s) x %d universe(s) equal to render"
          % (len(samples), len(umap)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
