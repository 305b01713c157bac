"""osc_remote.py - the OSC remote-control integration test (run by
tests/integration/osc_remote.sh inside its own network namespace) and the
latency benchmark (bench/osc_latency.sh). liblo's own oscsend/oscdump are
the remotes; sACN comes back to a socket on 127.0.0.1:5568 (the show sends
unicast there) and slot values are read from the E1.31 data packets.

  osc_remote.py test  GHOSTLIGHT SHOW WORKDIR
  osc_remote.py bench GHOSTLIGHT SHOW WORKDIR [--gos 200]

Plain Python 3 standard library. No wall-clock assertions: every wait has a
generous deadline and fails only when the expected thing never happens.
"""
import math
import os
import signal
import socket
import struct
import subprocess
import sys
import time

SACN_PORT = 5568
OSC_PORT = 7700
WAIT_S = 10.0


def die(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


# ---- OSC encoding (independent of the code under test) ---------------------

def _pad(b):
    return b + b"\0" * (4 - len(b) % 4)


def osc_message(address, *args):
    tags, data = ",", b""
    for a in args:
        if isinstance(a, bool):
            tags += "T" if a else "F"
        elif isinstance(a, int):
            tags += "i"
            data += struct.pack(">i", a)
        elif isinstance(a, float):
            tags += "f"
            data += struct.pack(">f", a)
        elif isinstance(a, str):
            tags += "s"
            data += _pad(a.encode())
        else:
            raise TypeError(a)
    return _pad(address.encode()) + _pad(tags.encode()) + data


def osc_bundle(timetag, *elements):
    out = b"#bundle\0" + struct.pack(">Q", timetag)
    for e in elements:
        out += struct.pack(">i", len(e)) + e
    return out


def ntp_in(seconds):
    t = time.time() + seconds + 2208988800
    return (int(t) << 32) | int((t % 1) * (1 << 32))


def slip(packet):
    body = packet.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc")
    return b"\xc0" + body + b"\xc0"


def osc_parse(data):
    """(address, [args]) of a plain message with i h f s tags."""
    end = data.index(b"\0")
    address = data[:end].decode()
    at = (end + 4) & ~3
    tend = data.index(b"\0", at)
    tags = data[at + 1:tend].decode()
    at = (tend + 4) & ~3
    args = []
    for t in tags:
        if t == "i":
            args.append(struct.unpack(">i", data[at:at + 4])[0])
            at += 4
        elif t == "f":
            args.append(struct.unpack(">f", data[at:at + 4])[0])
            at += 4
        elif t == "h":
            args.append(struct.unpack(">q", data[at:at + 8])[0])
            at += 8
        elif t == "s":
            e = data.index(b"\0", at)
            args.append(data[at:e].decode())
            at = (e + 4) & ~3
    return address, args


def osc_messages(data):
    """Each (address, [args]) a packet holds: a message, or every message
    of a bundle (nested ones too); nothing from a packet that does not
    parse."""
    if data.startswith(b"#bundle\0"):
        at = 16
        while at + 4 <= len(data):
            n = int.from_bytes(data[at:at + 4], "big")
            yield from osc_messages(data[at + 4:at + 4 + n])
            at += 4 + n
    else:
        try:
            yield osc_parse(data)
        except (ValueError, IndexError, struct.error):
            return


def udp_send(packet, source=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if source:
        s.bind((source, 0))
    s.sendto(packet, ("127.0.0.1", OSC_PORT))
    s.close()


def tcp_send(framed):
    s = socket.create_connection(("127.0.0.1", OSC_PORT), timeout=5)
    s.sendall(framed)
    time.sleep(0.05)
    s.close()


def oscsend(*argv):
    r = subprocess.run(["oscsend"] + [str(a) for a in argv], capture_output=True, text=True)
    if r.returncode != 0:
        die("oscsend %s: %s" % (" ".join(map(str, argv)), r.stderr.strip()))


# ---- sACN back ------------------------------------------------------------------

class Sacn:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", SACN_PORT))
        self.slots = None

    def read(self, timeout):
        """The next universe-1 data packet's slots, or None."""
        self.sock.settimeout(timeout)
        try:
            while True:
                data = self.sock.recv(1024)
                if len(data) < 126 or data[18:22] != b"\0\0\0\4":
                    continue           # sync / discovery
                if struct.unpack(">H", data[113:115])[0] != 1 or data[125] != 0:
                    continue
                self.slots = data[126:]
                return self.slots
        except socket.timeout:
            return None

    def wait_for(self, pred, timeout):
        """The first slots that satisfy pred within timeout, or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s = self.read(max(0.01, deadline - time.monotonic()))
            if s is not None and pred(s):
                return s
        return None

    def wait(self, what, pred, timeout=WAIT_S):
        s = self.wait_for(pred, timeout)
        if s is not None:
            return s
        die("sACN never showed %s (last slots 1-8: %s)" %
            (what, list(self.slots[:8]) if self.slots else None))

    def drain(self):
        self.sock.settimeout(0)
        try:
            while True:
                self.sock.recv(1024)
        except (BlockingIOError, socket.timeout):
            pass


# ---- processes ------------------------------------------------------------------------

class Procs:
    def __init__(self, work):
        self.work = work
        self.procs = []

    def start(self, name, argv):
        out = open(os.path.join(self.work, name), "w")
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
        self.procs.append(p)
        return p

    def stop_all(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def recv_until(sock, deadline, size=65536):
    """The datagrams sock receives until time.monotonic() reaches deadline."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        sock.settimeout(left)
        try:
            data = sock.recv(size)
        except socket.timeout:
            return
        yield data


def read(path):
    with open(path, errors="replace") as f:
        return f.read()


def wait_text(path, text, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in read(path):
            return
        time.sleep(0.05)
    die("%s never received %r; it has:\n%s" % (os.path.basename(path), text,
                                              read(path)[-1500:]))


def start_show(procs, gl, show):
    glp = procs.start("gl.log", [gl, "play", show, "--no-status"])
    return glp


# ---- the test --------------------------------------------------------------------------

def test(gl, show, work):
    sacn = Sacn()
    procs = Procs(work)
    dumps = {}
    for port in (9101, 9102, 9103, 9105):
        dumps[port] = os.path.join(work, "dump%d" % port)
        procs.start("dump%d" % port, ["oscdump", "-L", str(port)])
    glp = start_show(procs, gl, show)
    try:
        sacn.wait("the show running (slot 1 = 0)", lambda s: s[0] == 0)
        print("ghostlight plays; sACN arrives on 127.0.0.1:%d" % SACN_PORT, flush=True)

        # two remotes subscribe; each dumps feedback on its own port
        oscsend("127.0.0.1", OSC_PORT, "/gl/subscribe", "i", 9101)
        oscsend("127.0.0.1", OSC_PORT, "/gl/subscribe", "i", 9102)
        wait_text(dumps[9101], '/gl/out/list/1/standby ss "1" "Warm"')
        wait_text(dumps[9102], '/gl/out/fader/8/label s "Dim 8"')

        # GO over UDP, TCP length-prefixed (liblo's oscsend), TCP SLIP
        oscsend("127.0.0.1", OSC_PORT, "/gl/go")
        sacn.wait("cue 1 after GO over UDP (slot 1 = 51)", lambda s: s[0] == 51)
        print("GO over UDP: cue 1 on the wire", flush=True)
        oscsend("osc.tcp://127.0.0.1:%d" % OSC_PORT, "/gl/go")
        sacn.wait("cue 2 after GO over TCP (slot 1 = 255)", lambda s: s[0] == 255)
        print("GO over TCP (length prefix, oscsend): cue 2 on the wire", flush=True)
        tcp_send(slip(osc_message("/gl/go")))
        sacn.wait("cue 3 after GO over TCP SLIP (slot 1 = 128)", lambda s: s[0] == 128)
        print("GO over TCP (SLIP): cue 3 on the wire", flush=True)

        # feedback: labels of active and standby cues, at both remotes and
        # at the configured remote (9103, never subscribed)
        for port in (9101, 9102, 9103):
            for text in ('/gl/out/list/1/active ss "1" "Warm"',
                         '/gl/out/list/1/active ss "2" "Storm"',
                         '/gl/out/list/1/active ss "3" "Calm"',
                         '/gl/out/list/1/active/label s "Calm"',
                         '/gl/out/list/1/standby ss "" ""'):
                wait_text(dumps[port], text)
        print("feedback: active/standby cue numbers and labels at 2 subscribers "
              "and the configured remote", flush=True)

        # the cue's OSC action went out at GO
        wait_text(dumps[9105], '/video/play is 3 "calm"')
        print("cue 3's OSC action reached its peer", flush=True)

        # fader moves from one remote show on the other
        oscsend("127.0.0.1", OSC_PORT, "/gl/fader/1", "f", 0.5)
        wait_text(dumps[9102], "/gl/out/fader/1 f 0.500000")
        sacn.wait("fader 1 at 0.5 (slot 1 = 64)", lambda s: s[0] in (63, 64))
        oscsend("127.0.0.1", OSC_PORT, "/gl/fader/2", "i", 0)
        wait_text(dumps[9101], "/gl/out/fader/2 f 0.000000")
        print("fader moves seen by the other remote and on the wire", flush=True)

        # wildcards: every fader 3..5 to 0.25 in one message
        oscsend("127.0.0.1", OSC_PORT, "/gl/fader/[3-5]", "f", 0.25)
        for n in (3, 4, 5):
            wait_text(dumps[9101], "/gl/out/fader/%d f 0.250000" % n)
        # a timetagged bundle is held until its time: sent before an
        # immediate message to the same fader, it still lands last
        udp_send(osc_bundle(ntp_in(1.5), osc_message("/gl/fader/6", 0.3)))
        udp_send(osc_message("/gl/fader/6", 0.6))
        wait_text(dumps[9101], "/gl/out/fader/6 f 0.600000")
        wait_text(dumps[9101], "/gl/out/fader/6 f 0.300000")
        print("wildcards and bundle timetags honoured", flush=True)

        # ping -> pong, to the sender
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.settimeout(WAIT_S)
        s.sendto(osc_message("/gl/ping", 42), ("127.0.0.1", OSC_PORT))
        addr, args = osc_parse(s.recv(2048))
        if addr != "/gl/pong" or args != [42]:
            die("ping answered with %s %s" % (addr, args))
        print("ping -> pong", flush=True)

        # /gl/memory -> the heap in use, the show's script bytes and its
        # limit, to the sender: the heap holds at least the script's Lua
        s.sendto(osc_message("/gl/memory"), ("127.0.0.1", OSC_PORT))
        addr, args = osc_parse(s.recv(2048))
        if addr != "/gl/memory" or len(args) != 3:
            die("/gl/memory answered with %s %s" % (addr, args))
        heap, script, limit = args
        if not (0 < script <= limit and heap > script):
            die("/gl/memory: heap %d, script %d, limit %d do not add up" % (heap, script, limit))
        print("memory: heap %d bytes, show scripts %d of %d" % (heap, script, limit), flush=True)

        # the show's on_osc handler and osc.send
        oscsend("127.0.0.1", OSC_PORT, "/house/lights", "f", 0.75)
        wait_text(dumps[9105], "/house/ack f 0.750000")
        print("on_osc handler ran and answered with osc.send", flush=True)

        bad_input(sacn, s)
        silent_subscribers_dropped(dumps)
    finally:
        procs.stop_all()
    log = read(os.path.join(work, "gl.log"))
    if glp.returncode != 0:
        die("ghostlight play exited with %s:\n%s" % (glp.returncode, log[-2000:]))
    check_summary(log)
    print("PASS: osc_remote", flush=True)


def silent_subscribers_dropped(dumps):
    """Subscribers that send nothing for the show's timeout (3 s) stop
    getting feedback (heartbeats every 0.5 s), while the configured remote
    keeps it. Nothing is sent from here on; bounded wait."""
    size = lambda port: os.path.getsize(dumps[port])
    oscsend("127.0.0.1", OSC_PORT, "/gl/subscribe", "i", 9101)
    a = size(9101)
    time.sleep(1.5)
    if size(9101) == a:
        die("a live subscriber gets no heartbeats")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        a, c = size(9101), size(9103)
        time.sleep(1.5)                   # three heartbeat periods
        if size(9101) == a:
            if size(9103) == c:
                die("the configured remote stopped getting heartbeats too")
            print("silent subscribers dropped after the timeout; the configured "
                  "remote still gets heartbeats", flush=True)
            return
    die("a subscriber silent for 20 s still gets feedback (timeout 3 s)")


def bad_input(sacn, ping_sock):
    sacn.drain()
    before = bytes(sacn.wait("a frame before the bad input", lambda s: True))
    huge = osc_bundle(1, *[osc_message("/gl/fader/1", 1.0)] * 300)
    deep = osc_message("/gl/go")
    for _ in range(12):
        deep = osc_bundle(1, deep)
    packets = [
        b"\xff\xfe garbage",                                    # malformed
        b"/gl/go\0\0",                                         # no type tags, not aligned
        _pad(b"/gl/go") + b",i\0\0",                           # int promised, missing
        b"#bundle\0" + struct.pack(">Q", 1) + struct.pack(">i", 400) + b"/gl/",  # element past the end
        huge,                                                  # too many messages
        deep,                                                  # nested too deep
        osc_message("/gl/fader/1", "loud"),                    # wrong type
        osc_message("/gl/fader/1", 1.5),                       # out of range
        osc_message("/gl/gm", -0.5),                           # out of range
        osc_message("/gl/fader/1", float("nan")),              # out of range
        osc_message("/gl/blackout", 7),                        # out of range
        osc_message("/gl/bogus"),                              # unknown address
        osc_message("/gl/*"),                                  # names many commands
        osc_message("/gl/go", "Nope"),                         # no such list
        osc_message("/gl/fader/99", 0.5),                      # no such fader
        osc_message("/gl/cue/Main/42/go"),                     # no such cue
        osc_message("/elsewhere/nobody"),                      # no on_osc handler
    ]
    for p in packets:
        udp_send(p)
    udp_send(osc_message("/gl/go"), source="10.9.9.1")        # outside the allow-list
    tcp_send(b"\xff\xff\xff\xf0" + b"x" * 64)                   # absurd length prefix
    # the show is untouched: ping still answered, the same levels
    ping_sock.sendto(osc_message("/gl/ping", 7), ("127.0.0.1", OSC_PORT))
    addr, args = osc_parse(ping_sock.recv(2048))
    if addr != "/gl/pong" or args != [7]:
        die("after bad input, ping answered with %s %s" % (addr, args))
    sacn.drain()
    after = bytes(sacn.wait("a frame after the bad input", lambda s: True))
    if after[:8] != before[:8]:
        die("bad input changed the output: %s -> %s" % (list(before[:8]), list(after[:8])))
    print("bad input: %d packets dropped, output unchanged (slots 1-8 %s)" %
          (len(packets) + 2, list(after[:8])), flush=True)


def check_summary(log):
    line = [l for l in log.splitlines() if "osc:" in l and "messages received" in l]
    if not line:
        die("no OSC summary line in ghostlight's log:\n" + log[-2000:])
    line = line[-1]
    print("ghostlight: " + line.split("log: ", 1)[-1], flush=True)
    want = {"malformed": 4, "too big": 3, "wrong type": 1, "out of range": 4,
            "unknown address": 1, "ambiguous pattern": 1, "no such target": 3,
            "not allowed": 1, "unhandled": 1}
    for reason, n in want.items():
        key = reason + " "
        if key not in line:
            die("summary lacks '%s': %s" % (reason, line))
        got = int(line.split(key, 1)[1].split(",")[0].rstrip(")"))
        if got < n:
            die("summary counts %d '%s', expected at least %d" % (got, reason, n))
    for reason in ("malformed", "wrong type", "out of range", "unknown address"):
        if "dropped from osc.udp://127.0.0.1" not in log or reason not in log:
            die("no logged drop line for '%s'" % reason)


# ---- the benchmark -----------------------------------------------------------------------

def time_gos(sacn, gos, go, title):
    """The latency benchmark's measurement, shared with mqtt_remote.py so
    the OSC and MQTT figures mean the same: go(cue) sends a GOTO to cue 1
    (slot 1 = 51) or 2 (255), alternating, so each GO changes slot 1 no
    matter where the list stands; timed until the first sACN packet with
    the new level. Prints p50/p99 under title."""
    sacn.wait("the show running", lambda s: s[0] == 0)
    # warm-up, not timed: the remote's first GO may come before the control
    # adapter listens (it starts after the outputs); repeat until it lands
    deadline = time.monotonic() + WAIT_S
    while True:
        go(2)
        if sacn.wait_for(lambda s: s[0] == 255, 0.5):
            break
        if time.monotonic() > deadline:
            die("no GO reached the show in %d s" % WAIT_S)
    lat = []
    for i in range(gos):
        cue, want = (1, 51) if i % 2 == 0 else (2, 255)
        sacn.drain()
        t0 = time.perf_counter()
        go(cue)
        sacn.wait("cue %d" % cue, lambda s, w=want: s[0] == w)
        lat.append((time.perf_counter() - t0) * 1000.0)
        time.sleep(0.01 + (i % 7) * 0.003)   # spread GOs over the tick phase
    lat.sort()

    def pct(p):
        return lat[min(len(lat) - 1, int(math.ceil(p / 100.0 * len(lat))) - 1)]
    print("%s -> first sACN packet with the new look, %d GOs:" % (title, len(lat)))
    print("  p50 %.2f ms   p99 %.2f ms   min %.2f ms   max %.2f ms   mean %.2f ms" %
          (pct(50), pct(99), lat[0], lat[-1], sum(lat) / len(lat)))


def bench(gl, show, work, gos):
    sacn = Sacn()
    procs = Procs(work)
    procs.start("gl.log", [gl, "play", show, "--no-status"])
    osc = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        time_gos(sacn, gos, lambda cue: osc.sendto(osc_message("/gl/cue/Main/%d/go" % cue),
                                                   ("127.0.0.1", OSC_PORT)),
                 "OSC GO (UDP, loopback)")
    finally:
        procs.stop_all()


def run_main(doc, scenarios, nargs=3):
    """The command line of the remote tests and benchmarks (this file,
    mqtt_, rtsp_, midi_remote.py): SCENARIO and nargs arguments handed to
    scenarios[SCENARIO]; "bench" takes [--gos N] after them (200 GOs by
    default). Anything else prints doc, exit 2."""
    argv = sys.argv[1:]
    if len(argv) < 1 + nargs or argv[0] not in scenarios:
        print(doc)
        sys.exit(2)
    args, rest = argv[1:1 + nargs], argv[1 + nargs:]
    if argv[0] == "bench":
        args.append(int(rest[1]) if len(rest) > 1 and rest[0] == "--gos" else 200)
    scenarios[argv[0]](*args)


if __name__ == "__main__":
    run_main(__doc__, {"test": test, "bench": bench})
