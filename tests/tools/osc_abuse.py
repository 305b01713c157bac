"""osc_abuse.py - the OSC adapter under abuse, and subscriptions keyed by
(address, port, transport) (run by tests/integration/osc_abuse.sh in its own
network namespace, with 10.9.9.2-6 on lo as other hosts).

  osc_abuse.py GHOSTLIGHT WORKDIR

  subscriptions  a show without osc {}: /gl/out/show carries its name; two
                 subscribers on one IP, different ports: each gets the full
                 state once, a renewal resends nothing, /gl/refresh resends
                 to the sender alone, /gl/unsubscribe drops the sender alone;
                 a fifth subscription from one IP is refused with
                 /gl/out/error to it; a pattern with 3 x 60 alternatives is
                 refused as too costly and the adapter still answers
  slow-loris     16 idle TCP connections from one host: at most 4 kept, a
                 client from another host gets in; all 16 slots held from 4
                 hosts: the longest-silent one is evicted for a new client;
                 idle ones are closed after tcp_idle (6 s)
  dead remote    an osc.tcp:// remote whose SYNs are never answered (a
                 listener with a full backlog), sent to every 0.2 s by
                 osc.send: `play --duration 5` ends on time and pings are
                 answered meanwhile (it used to stall for minutes)
The drop summary names each reason. No wall-clock assertion other than
generous deadlines on things that, broken, never happen at all.
"""
import os
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from osc_remote import osc_message, osc_parse, die, read, recv_until  # noqa: E402

OSC = ("127.0.0.1", 7700)

PLAIN = """show { name = "Abuse test", rate = 44 }
patch { "dim", type = "generic/dimmer", universe = 1, address = 1, count = 2 }
fader(1, { group = "dim 1", label = "One" })
cuelist "Main" { cue { 1, "A", look = { ["dim 1"] = { intensity = 0.5 } } } }
"""

HOSTS = """show { name = "Hosts", rate = 44 }
osc { port = 7700, allow = {"127.0.0.0/8", "10.9.9.0/24"}, tcp_idle = 6 }
patch { "dim", type = "generic/dimmer", universe = 1, address = 1, count = 1 }
"""

DEAD = """show { name = "Dead remote", rate = 44 }
osc { port = 7700, allow = {"127.0.0.0/8"}, remotes = {"osc.tcp://127.0.0.1:9200"} }
patch { "dim", type = "generic/dimmer", universe = 1, address = 1, count = 1 }
every(0.2, function() osc.send("osc.tcp://127.0.0.1:9200", "/x", 1) end)
"""


def play(gl, work, name, text, extra=()):
    show = os.path.join(work, name + ".lua")
    with open(show, "w") as f:
        f.write(text)
    log = open(os.path.join(work, name + ".log"), "w")
    p = subprocess.Popen([gl, "play", show, "--no-status"] + list(extra), stdout=log,
                         stderr=subprocess.STDOUT)
    return p, os.path.join(work, name + ".log")


def stop(p):
    if p.poll() is None:
        p.terminate()
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


class Udp:
    """A remote on its own UDP port: sends from it, collects what comes back."""

    def __init__(self, source="127.0.0.1"):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind((source, 0))
        self.port = self.s.getsockname()[1]
        self.got = []

    def send(self, address, *args):
        self.s.sendto(osc_message(address, *args), OSC)

    def collect(self, seconds):
        for data in recv_until(self.s, time.monotonic() + seconds, 4096):
            self.got.append(osc_parse(data))

    def wait(self, what, pred, seconds=10.0):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for m in self.got:
                if pred(m):
                    return m
            self.collect(0.1)
        die("port %d never got %s; it got %s" % (self.port, what, self.got[-8:]))

    def count(self, address):
        return sum(1 for a, _ in self.got if a == address)

    def take(self):
        """What came so far (read out of the socket too), forgotten."""
        self.s.setblocking(False)
        try:
            while True:
                self.got.append(osc_parse(self.s.recv(4096)))
        except BlockingIOError:
            pass
        got, self.got = self.got, []
        return got


def wait_ready(p, log):
    probe = Udp()
    for _ in range(200):
        if p.poll() is not None:
            die("ghostlight ended at start:\n" + read(log)[-1500:])
        probe.send("/gl/ping", 1)
        probe.collect(0.05)
        if probe.count("/gl/pong"):
            return
    die("ghostlight never answered a ping:\n" + read(log)[-1500:])


def subscriptions(gl, work):
    p, log = play(gl, work, "plain", PLAIN)
    try:
        wait_ready(p, log)
        a, b = Udp(), Udp()
        a.send("/gl/subscribe")
        a.wait("the show's name", lambda m: m[0] == "/gl/out/show")
        b.send("/gl/subscribe")
        b.wait("the show's name", lambda m: m[0] == "/gl/out/show")
        if a.got[[m[0] for m in a.got].index("/gl/out/show")][1] != ["Abuse test"]:
            die("/gl/out/show without osc {}: %s" % a.got)
        a.collect(1.5)
        b.collect(1.5)
        for r, who in ((a, "first"), (b, "second")):
            if r.count("/gl/out/show") != 1 or r.count("/gl/out/fader/1/label") != 1:
                die("the %s subscriber got the full state %d times" %
                    (who, r.count("/gl/out/show")))
        print("/gl/out/show carries the name without osc {}; full state once to each of "
              "two subscribers on one IP (ports %d, %d)" % (a.port, b.port), flush=True)

        a.take()
        a.send("/gl/subscribe")                         # a renewal
        a.collect(1.5)
        if a.count("/gl/out/show") or not a.count("/gl/out/heartbeat"):
            die("a renewal resent the state (or stopped feedback): %s" % a.got)
        b.take()
        a.send("/gl/refresh")
        a.wait("the state again after /gl/refresh", lambda m: m[0] == "/gl/out/show")
        b.collect(0.5)
        if b.count("/gl/out/show"):
            die("/gl/refresh from one subscriber resent everything to the other")
        print("renewal: no resend; /gl/refresh: to the sender alone", flush=True)

        a.send("/gl/unsubscribe")
        time.sleep(0.3)
        a.take()
        b.take()
        a.collect(2.5)
        b.collect(0.1)
        if a.count("/gl/out/heartbeat"):
            die("feedback goes on after /gl/unsubscribe")
        if not b.count("/gl/out/heartbeat"):
            die("/gl/unsubscribe from port %d dropped the subscriber on port %d too" %
                (a.port, b.port))
        print("/gl/unsubscribe drops the sender's subscription only", flush=True)

        more = [Udp() for _ in range(4)]          # b + 3 = 4 from 127.0.0.1
        for r in more:
            r.send("/gl/subscribe")
        refused = more[-1]
        m = refused.wait("a refusal", lambda m: m[0] == "/gl/out/error")
        if "at most 4 subscriptions from one address" not in m[1][0]:
            die("refusal says %s" % m[1])
        for r in more[:-1]:
            r.wait("its state", lambda m: m[0] == "/gl/out/show")
        print("a 5th subscription from one IP: refused with /gl/out/error %r" % m[1][0],
              flush=True)

        g = "{" + "," * 59 + "}"
        b.take()
        b.send("/gl/" + g + g + g + "go")
        m = b.wait("the costly pattern's refusal", lambda m: m[0] == "/gl/out/error")
        if not m[1][0].startswith("pattern too costly"):
            die("the costly pattern was answered with %s" % m[1])
        b.send("/gl/ping", 5)
        b.wait("a pong after the costly pattern", lambda m: m[0] == "/gl/pong")
        print("3 x 60 alternatives: %r" % m[1][0], flush=True)
    finally:
        stop(p)
    text = read(log)
    for reason in ("too many subscribers 1", "pattern too costly 1"):
        if reason not in text:
            die("the summary lacks '%s':\n%s" % (reason, text[-1500:]))


def tcp_connect(source):
    s = socket.socket()
    s.bind((source, 0))
    s.settimeout(5)
    s.connect(OSC)
    return s


def closed(s, wait):
    """True when the server closed s (EOF or reset) within `wait` s."""
    s.settimeout(wait)
    try:
        return s.recv(64) == b""
    except socket.timeout:
        return False
    except OSError:
        return True


def tcp_ping(source):
    s = tcp_connect(source)
    body = osc_message("/gl/ping", 9)
    s.sendall(struct.pack(">I", len(body)) + body)
    data = b""
    while len(data) < 4 or len(data) < 4 + struct.unpack(">I", data[:4])[0]:
        chunk = s.recv(4096)
        if not chunk:
            die("TCP client from %s: closed before a pong" % source)
        data += chunk
    s.close()
    if osc_parse(data[4:])[0] != "/gl/pong":
        die("TCP ping from %s answered with %s" % (source, osc_parse(data[4:])))


def slow_loris(gl, work):
    p, log = play(gl, work, "hosts", HOSTS)
    try:
        wait_ready(p, log)
        idle = [tcp_connect("10.9.9.2") for _ in range(16)]
        time.sleep(0.5)
        kept = [s for s in idle if not closed(s, 0.05)]
        if len(kept) != 4:
            die("16 idle connections from one host: %d kept, not 4" % len(kept))
        tcp_ping("127.0.0.1")
        print("16 idle connections from one host: 4 kept; another host still gets in",
              flush=True)
        for h in (3, 4, 5):
            kept += [tcp_connect("10.9.9.%d" % h) for _ in range(4)]
        time.sleep(1.3)                      # every one silent for over 1 s
        tcp_ping("10.9.9.6")
        evicted = [s for s in kept if closed(s, 0.05)]
        if len(evicted) != 1:
            die("with all 16 slots held, %d were evicted for a new client, not 1" % len(evicted))
        print("all 16 slots held by 4 hosts: the longest-silent one evicted for a new client",
              flush=True)
        left = [s for s in kept if s not in evicted]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not all(closed(s, 0.05) for s in left):
            time.sleep(0.2)
        if not all(closed(s, 0.05) for s in left):
            die("idle connections still open 10 s after the eviction (tcp_idle = 6)")
        print("idle connections closed after tcp_idle", flush=True)
    finally:
        stop(p)
    text = read(log)
    if "too many TCP connections 12" not in text:
        die("the summary does not count 12 refused connections:\n" + text[-1500:])


def dead_remote(gl, work):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 9200))
    listener.listen(0)
    fill = []
    for _ in range(3):                     # fill the backlog: later SYNs are dropped
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", 9200))
        except BlockingIOError:
            pass
        fill.append(c)
    time.sleep(0.3)
    t0 = time.monotonic()
    # 5 s: the peer's 3 s connect timeout must pass (and be logged) well
    # before the end, whatever the machine's load
    p, log = play(gl, work, "dead", DEAD, ["--duration", "5"])
    try:
        wait_ready(p, log)
        r = Udp()
        for i in range(4):
            r.take()
            r.send("/gl/ping", i)
            r.wait("a pong while the remote is dead", lambda m: m[0] == "/gl/pong", 1.0)
            time.sleep(0.3)
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        die("play --duration 5 with a dead TCP remote still runs after 20 s (stalled)")
    finally:
        stop(p)
        for c in fill:
            c.close()
        listener.close()
    took = time.monotonic() - t0
    text = read(log)
    if "osc.tcp://127.0.0.1:9200: connect: Connection timed out" not in text:
        die("no word of the dead remote:\n" + text[-1500:])
    print("a dead TCP remote: play --duration 5 took %.1f s, pings answered meanwhile" % took,
          flush=True)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    gl, work = sys.argv[1], sys.argv[2]
    subscriptions(gl, work)
    slow_loris(gl, work)
    dead_remote(gl, work)
    print("PASS: osc_abuse", flush=True)


if __name__ == "__main__":
    main()
