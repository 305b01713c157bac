"""soak.py - the soak run behind bench/soak.sh (inside its own network
namespace, with a private mosquitto on 127.0.0.1:18840).

  soak.py GHOSTLIGHT WORKDIR SECONDS [--max-growth MIB_PER_H] [--max-dropped N|P%]
          [--seed N]

Plays a generated show with 64 sACN universes (unicast to 127.0.0.1:5568,
44 Hz; 8188 RGBW fixtures under a looping chase of 2 s fades, a manual
list, faders, Lua timers and handlers, sound cues - a looping bed, a
one-shot, a fade - through SDL's disk driver into /dev/null at real-time
pace, with an audio master fader; on universe 64 a "clock", a moving
head whose 16-bit pan sweeps without pause, so that universe changes and
is sent every frame - sACN sends an unchanged universe only as keep-alive)
and meanwhile sends random OSC (about 20 messages/s: GO, GOTO, PAUSE,
faders, grand master, blackout, programmer values, CLEAR,
subscribe/refresh, messages for the show's on_osc) and MQTT traffic (about
5 messages/s through mosquitto_pub -l), and an OSC /gl/ping every second.
Measures:

  memory growth   the heap in use (every byte held from malloc, glibc's
                  count, which /gl/memory answers) asked every second;
                  after the warm-up (the first fifth, at least 30 s and at
                  most 60 s) the lowest sample of each tenth of the run,
                  and the least-squares slope of those, in MiB per hour:
                  the troughs between garbage collections rise with a
                  leak, while the sawtooth of Lua's collector alone would
                  tilt a 2-minute slope. VmRSS, sampled and reduced the
                  same way, is printed beside it but not judged: it also
                  climbs as pages calloc'd at load are first written (a
                  fixture the remote sets for the first time), in steps
                  that are not leaks
  frames dropped  sACN sequence numbers that never came, over every
                  universe (minus what the receiving socket itself
                  dropped, which the kernel counts: SO_RXQ_OVFL), plus the
                  engine's skipped ticks (play's last line)
  max frame gap   the longest time between two frames of the clock
                  universe, from kernel receive timestamps (SO_TIMESTAMPNS),
                  and how many gaps were over 1.5 periods
  control latency round trip of /gl/ping -> /gl/pong (the control thread's
                  poll loop, under the traffic): p50, p99, max
  audio           play's audio summary: frames mixed, underruns, late
                  callbacks (printed, never asserted)
  errors          error lines in play's log, /gl/out/error feedback, MQTT
                  error and rejected events, a nonzero exit

With --max-growth / --max-dropped it exits 1 when a figure is past its
threshold (CI: thresholds on memory and dropped frames only - the timing
figures are printed, never asserted; dropped frames as a share of the
frames a universe should have had, "1%").
Plain Python 3 standard library.
"""
import argparse
import json
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

# the OSC encoding and parsing the integration tests use (written apart from ghostlight's)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "tools"))
from osc_remote import osc_message, osc_messages, recv_until  # noqa: E402
from audio_play import write_wav  # noqa: E402

SACN_PORT = 5568
OSC_PORT = 7700
REMOTE_PORT = 9100
MQTT_PORT = 18840
UNIVERSES = 64
RATE = 44.0
FIXTURES_PER_UNIVERSE = 128
# the last universe holds 4 fewer and the clock: 8188 RGBW fixtures + 1
FIXTURES = UNIVERSES * FIXTURES_PER_UNIVERSE - 3


def log(msg):
    print(msg, flush=True)


def die(msg):
    print("soak: " + msg, file=sys.stderr, flush=True)
    sys.exit(1)


# ---- the show ------------------------------------------------------------------------------

def show_text():
    lines = ['show { name = "Soak", rate = %d }' % RATE,
             'output { "house", type = "sacn", universes = { %s }, unicast = "127.0.0.1", '
             'discovery = false }' % ", ".join(str(u) for u in range(1, UNIVERSES + 1)),
             'osc { heartbeat = 1, timeout = 30 }',
             'mqtt { host = "127.0.0.1", port = %d, base = "soak", state_rate = 5 }' % MQTT_PORT]
    for u in range(1, UNIVERSES):
        lines.append('patch { "u%d", type = "generic/rgbw", universe = %d, address = 1, '
                     'count = %d }' % (u, u, FIXTURES_PER_UNIVERSE))
    # the clock: universe 64 also holds a moving head whose 16-bit pan
    # sweeps without a pause, so that universe changes (and is sent) every
    # frame: its gaps are the frames' gaps
    lines.append('patch { "u%d", type = "generic/rgbw", universe = %d, address = 1, count = %d }'
                 % (UNIVERSES, UNIVERSES, FIXTURES_PER_UNIVERSE - 4))
    lines.append('patch { "clock", type = "generic/moving-head", universe = %d, address = %d }'
                 % (UNIVERSES, 4 * (FIXTURES_PER_UNIVERSE - 4) + 1))
    lines.append('group("all", { %s })' % ", ".join('"u%d"' % u for u in range(1, UNIVERSES + 1)))
    lines.append('group("half", { %s })' % ", ".join('"u%d"' % u for u in range(1, UNIVERSES + 1, 2)))
    lines.append('fader(1, { group = "all", label = "All" })')
    lines.append('fader(2, { cuelist = "Main", label = "Main" })')
    lines.append('fader(3, { group = "half", label = "Half" })')
    # sound: SDL's disk driver into /dev/null at real-time pace; a bed that
    # loops until the chase comes round again, a one-shot, a fade
    lines.append('audio { driver = "disk", device = "/dev/null", buffer = 512 }')
    lines.append('fader(4, { audio = "master", label = "Sound" })')
    colors = ["#ff0000", "#00ff00", "#0000ff", "#ffffff"]
    sounds = [', audio = { "bed.wav", loop = true, devamp = true, level = -12 }', '',
              ', audio = { "ping.wav", level = -6 }',
              ', audio = { fade = "bed", level = -30, time = 1 }']
    chase = ",\n  ".join('cue { %d, fade = 2, follow = 0.5, look = { all = { intensity = %g, '
                         'color = "%s" } }%s }' % (i + 1, 0.25 + 0.25 * i, c, sounds[i])
                         for i, c in enumerate(colors))
    lines.append('cuelist "Chase" { loop = true,\n  %s,\n}' % chase)
    main = ",\n  ".join('cue { %d, fade = %g, look = { half = { intensity = %g } } }' %
                        (i, 0.5 * i, i / 5.0) for i in range(1, 6))
    lines.append('cuelist "Main" { loop = true,\n  %s,\n}' % main)
    lines.append('cuelist "Clock" { loop = true,\n'
                 '  cue { 1, fade = 20, follow = 0, look = { clock = { pan = -270 } } },\n'
                 '  cue { 2, fade = 20, follow = 0, look = { clock = { pan = 270 } } },\n}')
    lines.append('local n = 0')
    lines.append('every(0.5, function() n = n + 1; set_fader(3, (n % 10) / 10) end)')
    lines.append('on_cue("Chase", 1, function() local t = {}; for i = 1, 100 do '
                 't[i] = tostring(i) end; log("chase " .. #t) end)')
    lines.append('on_osc("/soak/*", function(address, ...) n = n + select("#", ...) end)')
    lines.append('go("Chase")\ngo("Main")\ngo("Clock")')
    return "\n".join(lines) + "\n"


# ---- OSC -------------------------------------------------------------------------------------

class Remote(threading.Thread):
    """The tablet: random commands, a ping a second, feedback counted."""

    def __init__(self, seconds, rng):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
        self.sock.bind(("127.0.0.1", REMOTE_PORT))
        self.end = time.monotonic() + seconds
        self.rng = rng
        self.sent = 0
        self.feedback = 0
        self.errors = []
        self.rtts = []
        self.pings = {}
        self.memory = []        # (monotonic time, heap bytes in use, script bytes) from /gl/memory
        self.stop = False

    def command(self):
        r = self.rng
        k = r.randrange(12)
        if k == 0:
            return osc_message("/gl/list/Main/go")
        if k == 1:
            return osc_message("/gl/fader/%d" % r.choice([1, 2, 4]), r.choice([0.5, 0.75, 1.0]))
        if k == 2:
            return osc_message("/gl/gm", r.choice([0.6, 0.8, 1.0]))
        if k == 3:
            return osc_message("/gl/blackout", 1 if r.random() < 0.1 else 0)
        if k == 4:
            return osc_message("/gl/fixture/%d/%s" % (r.randint(1, FIXTURES),
                                              r.choice(["intensity", "red", "blue"])),
                       r.random())
        if k == 5:
            return osc_message("/gl/clear")
        if k == 6:
            return osc_message("/gl/subscribe", REMOTE_PORT)
        if k == 7:
            return osc_message("/gl/refresh", REMOTE_PORT)
        if k == 8:
            return osc_message("/gl/goto", "Main", r.randint(1, 5))
        if k == 9:
            return osc_message("/soak/%d" % r.randrange(100), r.random(), "x")
        if k == 10:
            return osc_message("/gl/list/Main/pause" if r.random() < 0.5 else "/gl/list/Main/resume")
        return osc_message("/gl/list/Chase/go")

    def run(self):
        next_ping = time.monotonic()
        seq = 0
        while not self.stop and time.monotonic() < self.end:
            now = time.monotonic()
            if now >= next_ping:
                seq += 1
                self.pings[seq] = now
                self.sock.sendto(osc_message("/gl/ping", seq), ("127.0.0.1", OSC_PORT))
                self.sock.sendto(osc_message("/gl/memory"), ("127.0.0.1", OSC_PORT))
                next_ping = now + 1.0
            self.sock.sendto(self.command(), ("127.0.0.1", OSC_PORT))
            self.sent += 1
            deadline = time.monotonic() + self.rng.expovariate(20.0)
            for data in recv_until(self.sock, deadline):
                t = time.monotonic()
                for address, args in osc_messages(data):
                    self.feedback += 1
                    if address == "/gl/pong" and args and args[0] in self.pings:
                        self.rtts.append(t - self.pings.pop(args[0]))
                    elif address == "/gl/memory" and len(args) == 3 and args[0] >= 0:
                        self.memory.append((t, args[0], args[1]))
                    elif address == "/gl/out/error":
                        self.errors.append(args[0] if args else "")


class MqttTraffic(threading.Thread):
    """Commands through mosquitto_pub -l (one per topic), events counted
    through mosquitto_sub."""

    TOPICS = ["soak/cmd/go/Main", "soak/cmd/fader/1", "soak/cmd/gm", "soak/cmd/refresh"]

    def __init__(self, seconds, rng, work):
        super().__init__(daemon=True)
        self.end = time.monotonic() + seconds
        self.rng = rng
        self.sent = 0
        self.pubs = {t: subprocess.Popen(["mosquitto_pub", "-h", "127.0.0.1", "-p",
                                          str(MQTT_PORT), "-q", "1", "-l", "-t", t],
                                         stdin=subprocess.PIPE, text=True,
                                         stdout=subprocess.DEVNULL,
                                         stderr=open(os.path.join(work, "mqtt_pub.log"), "a"))
                     for t in self.TOPICS}
        self.events_path = os.path.join(work, "mqtt_events.log")
        self.sub = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(MQTT_PORT),
                                     "-t", "soak/event"], stdout=open(self.events_path, "w"),
                                    stderr=subprocess.STDOUT)
        self.stop = False

    def payload(self, topic):
        if topic.endswith("/go/Main") or topic.endswith("/refresh"):
            return "PRESS"
        return "%.2f" % self.rng.choice([0.5, 0.75, 1.0])

    def run(self):
        while not self.stop and time.monotonic() < self.end:
            topic = self.rng.choice(self.TOPICS)
            try:
                self.pubs[topic].stdin.write(self.payload(topic) + "\n")
                self.pubs[topic].stdin.flush()
                self.sent += 1
            except BrokenPipeError:
                pass
            time.sleep(self.rng.expovariate(5.0))

    def close(self):
        for p in self.pubs.values():
            try:
                p.stdin.close()
            except BrokenPipeError:
                pass
            p.terminate()
            p.wait()
        self.sub.terminate()
        self.sub.wait()

    def counts(self):
        errors = rejected = events = 0
        with open(self.events_path, errors="replace") as f:
            for line in f:
                try:
                    ev = json.loads(line)
                except ValueError:
                    continue
                events += 1
                if ev.get("event") == "error":
                    errors += 1
                elif ev.get("event") == "rejected":
                    rejected += 1
        return events, errors, rejected


# ---- sACN back -----------------------------------------------------------------------------

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
SO_RXQ_OVFL = getattr(socket, "SO_RXQ_OVFL", 40)


class Receiver(threading.Thread):
    """Every data packet: per universe its count, sequence gaps and the
    longest time between two (kernel timestamps)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 24)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_RXQ_OVFL, 1)
        self.sock.bind(("127.0.0.1", SACN_PORT))
        self.sock.settimeout(0.5)
        self.count = [0] * (UNIVERSES + 1)
        self.missing = [0] * (UNIVERSES + 1)
        self.last_seq = [None] * (UNIVERSES + 1)
        self.last_t = [None] * (UNIVERSES + 1)
        self.max_gap = [0.0] * (UNIVERSES + 1)
        self.max_gap_at = [0.0] * (UNIVERSES + 1)
        self.overflow = 0
        self.late_frames = 0       # clock universe gaps over 1.5 periods
        self.first_t = None
        self.measuring = False
        self.stop = False

    def run(self):
        while not self.stop:
            try:
                data, anc, _, _ = self.sock.recvmsg(700, 256)
            except socket.timeout:
                continue
            t = None
            for level, kind, payload in anc:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                    sec, nsec = struct.unpack("qq", payload[:16])
                    t = sec + nsec / 1e9
                elif level == socket.SOL_SOCKET and kind == SO_RXQ_OVFL:
                    self.overflow = struct.unpack("I", payload[:4])[0]
            if len(data) < 126 or data[18:22] != b"\0\0\0\4":
                continue
            u = struct.unpack(">H", data[113:115])[0]
            if not 1 <= u <= UNIVERSES or data[112] & 0x40:
                continue
            seq = data[111]
            if t is None:
                t = time.time()
            if self.first_t is None:
                self.first_t = t
            if self.measuring and self.last_seq[u] is not None:
                self.missing[u] += (seq - self.last_seq[u] - 1) % 256
                gap = t - self.last_t[u]
                if u == UNIVERSES and gap > 1.5 / RATE:
                    self.late_frames += 1
                if gap > self.max_gap[u]:
                    self.max_gap[u] = gap
                    self.max_gap_at[u] = t - self.first_t
            self.last_seq[u] = seq
            self.last_t[u] = t
            if self.measuring:
                self.count[u] += 1


# ---- memory ------------------------------------------------------------------------------

def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def troughs(samples, windows=10):
    """The lowest sample of each of `windows` equal stretches of time, at
    the stretch's middle: what memory settles back to between garbage
    collections (Lua's, the allocator's) - a leak lifts it, a sawtooth
    does not. Too few samples: the samples themselves."""
    if len(samples) < 2 * windows:
        return samples
    t0, t1 = samples[0][0], samples[-1][0]
    width = (t1 - t0) / windows
    out = []
    for w in range(windows):
        lo, hi = t0 + w * width, t0 + (w + 1) * width
        inside = [v for t, v in samples if lo <= t < hi or (w == windows - 1 and t == t1)]
        if inside:
            out.append((lo + width / 2, min(inside)))
    return out


def slope_per_hour(samples):
    """Least-squares slope of (seconds, KiB) in MiB per hour."""
    n = len(samples)
    if n < 3:
        return 0.0
    mx = sum(t for t, _ in samples) / n
    my = sum(v for _, v in samples) / n
    sxx = sum((t - mx) ** 2 for t, _ in samples)
    sxy = sum((t - mx) * (v - my) for t, v in samples)
    return (sxy / sxx) * 3600.0 / 1024.0 if sxx else 0.0


def percentile(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def main():
    ap = argparse.ArgumentParser(usage=__doc__.split("\n\n")[1].strip().replace("%", "%%"))
    ap.add_argument("gl")
    ap.add_argument("work")
    ap.add_argument("seconds", type=float)
    ap.add_argument("--max-growth", type=float)
    ap.add_argument("--max-dropped")       # frames, or a share of the frames: "1%"
    ap.add_argument("--seed", type=int, default=random.randrange(1 << 30))
    a = ap.parse_args()
    gl, work, seconds, seed = a.gl, a.work, a.seconds, a.seed
    max_growth, max_dropped = a.max_growth, a.max_dropped
    rng = random.Random(seed)
    show = os.path.join(work, "soak.lua")
    with open(show, "w") as f:
        f.write(show_text())
    write_wav(os.path.join(work, "bed.wav"), 44100, 2, 0.5, 220.0, 0.25)
    write_wav(os.path.join(work, "ping.wav"), 48000, 1, 0.2, 1000.0, 0.5)
    env = dict(os.environ, GHOSTLIGHT_STATE_DIR=os.path.join(work, "state"))
    check = subprocess.run([gl, "check", show], capture_output=True, text=True, env=env)
    if check.returncode != 0:
        die("the soak show does not load: " + check.stderr)

    rx = Receiver()
    rx.start()
    play_log = os.path.join(work, "play.log")
    p = subprocess.Popen([gl, "play", show, "--no-status"], stdout=open(play_log, "w"),
                         stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 30
    while rx.first_t is None and time.monotonic() < deadline:
        if p.poll() is not None:
            die("play ended at start:\n" + open(play_log).read()[-2000:])
        time.sleep(0.1)
    if rx.first_t is None:
        p.kill()
        die("no sACN from play")
    log("soak: %d universes at %g Hz, %.0f s, seed %d (ghostlight %s, pid %d)" %
        (UNIVERSES, RATE, seconds, seed, gl, p.pid))
    time.sleep(1.0)
    rx.measuring = True
    t0 = time.monotonic()
    remote = Remote(seconds, rng)
    mqtt = MqttTraffic(seconds, random.Random(seed + 1), work)
    remote.start()
    mqtt.start()
    samples = []
    next_report = t0 + 600
    while time.monotonic() < t0 + seconds:
        if p.poll() is not None:
            break
        samples.append((time.monotonic() - t0, rss_kib(p.pid)))
        if time.monotonic() >= next_report:
            log("soak: %.0f s, RSS %.1f MiB" % (time.monotonic() - t0, samples[-1][1] / 1024.0))
            next_report += 600
        time.sleep(min(1.0, max(0.1, t0 + seconds - time.monotonic())))
    elapsed = time.monotonic() - t0
    remote.stop = mqtt.stop = True
    remote.join(5)
    mqtt.join(5)
    crashed = p.poll() is not None
    if not crashed:
        samples.append((elapsed, rss_kib(p.pid)))
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=30)
    else:
        rc = p.returncode
    rx.measuring = False
    time.sleep(0.5)
    rx.stop = True
    rx.join(2)
    mqtt.close()

    text = open(play_log, errors="replace").read()
    m = re.search(r"ended after [\d.]+ s: (\d+) ticks, (\d+) cues fired, (\d+) late, "
                  r"(\d+) skipped, (\d+) errors", text)
    ticks, cues, late, skipped, gl_errors = (int(x) for x in m.groups()) if m else (0, 0, 0, 0, -1)
    error_lines = [line for line in text.splitlines() if " error: " in line]
    audio = re.search(r"ghostlight: audio: (\d+) frames at (\d+) Hz, (\d+) underruns, (\d+) late "
                      r"callbacks", text)
    warm = min(60.0, max(30.0, elapsed / 5.0)) if elapsed >= 90 else elapsed / 3.0
    rss_settled = troughs([s for s in samples if s[0] >= warm])
    rss_growth = slope_per_hour(rss_settled)
    heap = [(t - t0, b / 1024.0) for t, b, _ in remote.memory]
    script = [(t - t0, b / 1024.0) for t, _, b in remote.memory]
    settled = troughs([s for s in heap if s[0] >= warm])
    # the verdict is on the heap; on RSS only when play never answered /gl/memory
    growth = slope_per_hour(settled) if len(settled) >= 3 else rss_growth
    expected = elapsed * RATE
    received = sum(rx.count[1:])
    missing = sum(rx.missing[1:])
    dropped = max(0, missing - rx.overflow) + skipped
    period = 1.0 / RATE
    clock_late = rx.late_frames
    events, mqtt_errors, rejected = mqtt.counts()
    rtts_ms = [r * 1000.0 for r in remote.rtts]

    log("")
    log("soak: %.0f s (%.2f h) of %d universes, %d OSC messages (%d feedback back), "
        "%d MQTT commands (%d events back), %d cues fired" %
        (elapsed, elapsed / 3600.0, UNIVERSES, remote.sent, remote.feedback, mqtt.sent, events,
         cues))
    if len(settled) >= 3:
        log("  memory         heap in use %.1f -> %.1f MiB, growth %+.2f MiB/h (slope of the lowest "
            "of /gl/memory's figure in %d stretches after a %.0f s warm-up, %d answers); the "
            "show's scripts %.1f -> %.1f MiB" %
            (heap[0][1] / 1024.0, heap[-1][1] / 1024.0, growth, len(settled), warm,
             len([s for s in heap if s[0] >= warm]), script[0][1] / 1024.0,
             script[-1][1] / 1024.0))
    else:
        log("  memory         play answered no /gl/memory: the verdict is on RSS")
    log("                 RSS %.1f -> %.1f MiB, %+.2f MiB/h the same way (printed: it also "
        "grows as pages taken long ago are first touched)" %
        (samples[0][1] / 1024.0, samples[-1][1] / 1024.0, rss_growth))
    log("  frames         %d missing sequence numbers over %d universes (%d packets; %d of them "
        "dropped by the receiving socket itself), %d engine ticks skipped (%d late) -> %d "
        "dropped" % (missing, UNIVERSES, received, rx.overflow, skipped, late, dropped))
    log("  clock universe %d of %.0f frames arrived (%d gaps over 1.5 periods)" %
        (rx.count[UNIVERSES], expected, clock_late))
    log("  max gap        %.1f ms between two frames of the clock universe (at %.0f s; period "
        "%.1f ms)" % (rx.max_gap[UNIVERSES] * 1000.0, rx.max_gap_at[UNIVERSES], period * 1000.0))
    log("  audio          %s" % ("%s frames at %s Hz, %s underruns, %s late callbacks" %
                                   audio.groups() if audio else "no summary from play"))
    log("  control        /gl/ping round trip p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d pings, "
        "%d unanswered)" % (percentile(rtts_ms, 50), percentile(rtts_ms, 99),
                            max(rtts_ms) if rtts_ms else float("nan"), len(rtts_ms),
                            len(remote.pings)))
    log("  errors         %d error lines in play's log, %d /gl/out/error, %d MQTT error events, "
        "%d MQTT rejected, exit %s%s" %
        (len(error_lines), len(remote.errors), mqtt_errors, rejected, rc,
         " (CRASHED before the end)" if crashed else ""))
    for line in error_lines[:5]:
        log("    " + line)
    for text in remote.errors[:5]:
        log("    /gl/out/error: " + text)
    fail = []
    if crashed or rc != 0:
        fail.append("play did not run to the end cleanly (exit %s)" % rc)
    if max_growth is not None and growth > max_growth:
        fail.append("memory grew %.2f MiB/h, over %.2f" % (growth, max_growth))
    if max_dropped is not None:
        limit = (float(max_dropped[:-1]) / 100.0 * expected if max_dropped.endswith("%")
                 else float(max_dropped))
        if dropped > limit:
            fail.append("%d frames dropped, over %s (%.0f)" % (dropped, max_dropped, limit))
    if fail:
        die("; ".join(fail))


if __name__ == "__main__":
    main()
