#!/usr/bin/env python3
"""peers.py - ghostlight side by side with QLC+ and OLA on the same machine.

    bench/peers.py [--quick] [--runs 3] [--seconds S] [--warmup S]
                   [--universes 1,16,64,256] [--ghostlight-extra 1024]
                   [--peers ghostlight,qlcplus,ola,ola-artnet]
                   [--csv FILE] [--ghostlight PATH] [--bench-engine PATH]

Normally started through bench/peers.sh, which installs the peers and builds
ghostlight first. For each run, N and peer, a child of this script runs in a
private network namespace of its own (`unshare -n`, only `lo` up, plus an
empty bridge for olad's E1.31 plugin): it writes an equivalent show for the
peer (N universes x 128 RGBW fixtures = every slot of every universe, a
looping two-step crossfade with 5 s fades so every channel changes every
frame, 50 frames/s), starts the peer, waits until it is sending, lets it run a
warm-up, then captures the peer's DMX packets with dumpcap for the measuring
window while sampling its CPU time (/proc/PID/stat) and resident memory
(/proc/PID/status). The capture goes through tests/tools/capture_stats.py,
the code the integration tests use, so frames/s and inter-frame gaps mean the
same thing here and there. Each figure in the table is the median over the
runs. Prints a Markdown table, the targets of issue #6 against this run, the
engine micro-benchmark (bench_engine), and writes the table as CSV.

The peers:
- ghostlight: `ghostlight play` of a generated show, Art-Net unicast to
  127.0.0.1 (port-address = universe - 1), rate 50, sent with UDP GSO as
  to a network address (lo set to cut GSO messages into datagrams before
  the capture sees them; see measure()).
- qlcplus: QLC+ 4.12 headless (QT_QPA_PLATFORM=offscreen, `-p` operate mode)
  on a generated workspace: Generic RGBW fixtures, two scenes, a looping
  chaser with 5 s fade in and fade out (so every channel is always fading),
  set as the workspace's startup function; ArtNet plugin output on the
  loopback line, unicast to 127.0.0.1, Art-Net universe = universe - 1.
  QLC+'s master timer runs at 50 Hz (its fixed default).
- ola: olad has no cue engine: a small client (this script, --ola-driver)
  computes the same crossfade and sends every universe to olad 50 times a
  second over its RPC port; olad outputs them as E1.31 (sACN). E1.31 and not
  Art-Net because olad's Art-Net device has only 4 output ports (Art-Net 3
  node limits), while its E1.31 device takes up to 512. olad's E1.31 sender
  is multicast only and its plugin ignores loopback interfaces, so it binds
  an address on an empty bridge in the run's namespace and the capture is
  taken on that bridge (the packets never leave the namespace). CPU and
  memory are olad's; the client's CPU is reported apart.
- ola-artnet: the same client, olad sending Art-Net (broadcast on lo) - only
  for N <= 4, the most its Art-Net device can send.

In every namespace a socket bound to 127.0.0.1:6454 that never reads stands
for the receiving node (see measure()). A run whose peer fails to start is
started again (--attempts), and the table says how often that happened: QLC+
4.12.6 sometimes dies of SIGSEGV while loading a large workspace. QLC+'s load
time grows faster than linearly (about 30 s at 64 universes and over 5
minutes at 256 on a 2-core VM), which is most of the full run's time.

Needs root (namespaces, capture); olad itself runs as `nobody`. Figures, not
a test: nothing is asserted. Temp files go under /tmp and are deleted.
"""
import argparse
import csv
import datetime
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True    # never leave __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "tools"))
import capture_stats  # noqa: E402  (shared with the integration tests)

RATE_HZ = 50              # QLC+'s fixed master timer rate; everyone runs at it
FADE_S = 5                # each crossfade; the two-step loop lasts 2 * FADE_S
FIXTURES_PER_UNIVERSE = 128
CAPTURE_SNAPLEN = 200     # enough for the ArtDmx and E1.31 headers
OLA_PLUGINS = ["artnet", "dmx4linux", "dummy", "e131", "espnet", "ftdidmx", "gpio",
               "karate", "kinet", "milinst", "opendmx", "openpixelcontrol", "osc",
               "pathport", "renard", "sandnet", "shownet", "spi", "stageprofi",
               "uartdmx", "usbdmx", "usbserial"]
PEER_PROTOCOL = {"ghostlight": "artnet", "qlcplus": "artnet", "ola": "sacn",
                 "ola-artnet": "artnet"}
OLA_ARTNET_MAX = 4


def log(msg):
    print("peers: " + msg, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


# ---- shows for each peer ---------------------------------------------------

def ghostlight_show(n, path):
    """The show bench/capture.sh generates, with Art-Net output at 50 Hz."""
    unis = ", ".join(str(u) for u in range(1, n + 1))
    lines = ["-- generated by bench/peers.py: %d universes x %d generic/rgbw" % (n, FIXTURES_PER_UNIVERSE),
             'show { name = "peers %d", rate = %d }' % (n, RATE_HZ),
             'output { "bench", type = "artnet", universes = { %s }, nodes = "127.0.0.1", listen = false }' % unis]
    for u in range(1, n + 1):
        lines.append('patch { "u%d", type = "generic/rgbw", universe = %d, address = 1, count = %d }'
                     % (u, u, FIXTURES_PER_UNIVERSE))
    lines += ["local a, b = {}, {}",
              "for u = 1, %d do" % n,
              '  a["u" .. u] = { intensity = 1, red = 1, green = 0, blue = 1, white = 0 }',
              '  b["u" .. u] = { intensity = 1, red = 0, green = 1, blue = 0, white = 1 }',
              "end",
              'cuelist "Main" { loop = true,',
              '  cue { 1, "a", fade = %d, wait = %d, look = a },' % (FADE_S, FADE_S),
              '  cue { 2, "b", fade = %d, wait = %d, look = b },' % (FADE_S, FADE_S),
              "}",
              'go("Main")']
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def qlcplus_workspace(n, path):
    """A QLC+ 4.12 workspace equivalent to ghostlight_show(): Generic RGBW
    fixtures (mode RGBW, 4 channels) filling every slot, scene A (red+blue
    full) and scene B (green+white full), a looping chaser whose steps fade in
    and out over FADE_S with no hold - so one scene is always fading out while
    the other fades in and every channel moves every frame. The chaser is the
    startup function (Engine Autostart), which `-p` (operate mode) starts."""
    fixtures = n * FIXTURES_PER_UNIVERSE
    ms = FADE_S * 1000
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           "<!DOCTYPE Workspace>",
           '<Workspace xmlns="http://www.qlcplus.org/Workspace" CurrentWindow="VirtualConsole">',
           " <Creator>",
           "  <Name>Q Light Controller Plus</Name>",
           "  <Version>4.12.6</Version>",
           "  <Author>ghostlight bench/peers.py</Author>",
           " </Creator>",
           ' <Engine Autostart="2">',
           "  <InputOutputMap>"]
    for u in range(n):
        # Line 0 is the only IPv4 address in the run's namespace: 127.0.0.1.
        out += ['   <Universe Name="Universe %d" ID="%d">' % (u + 1, u),
                '    <Output Plugin="ArtNet" UID="127.0.0.1" Line="0">',
                '     <PluginParameters outputIP="127.0.0.1" outputUni="%d" transmitMode="Full"/>' % u,
                "    </Output>",
                "   </Universe>"]
    out.append("  </InputOutputMap>")
    for fid in range(fixtures):
        u, f = divmod(fid, FIXTURES_PER_UNIVERSE)
        out += ["  <Fixture>",
                "   <Manufacturer>Generic</Manufacturer>",
                "   <Model>Generic RGBW</Model>",
                "   <Mode>RGBW</Mode>",
                "   <ID>%d</ID>" % fid,
                "   <Name>u%d %d</Name>" % (u + 1, f + 1),
                "   <Universe>%d</Universe>" % u,
                "   <Address>%d</Address>" % (f * 4),
                "   <Channels>4</Channels>",
                "  </Fixture>"]
    for sid, vals in ((0, (255, 0, 255, 0)), (1, (0, 255, 0, 255))):
        fv = ",".join("%d,%d" % (c, v) for c, v in enumerate(vals))
        out += ['  <Function ID="%d" Type="Scene" Name="%s">' % (sid, "AB"[sid]),
                '   <Speed FadeIn="0" FadeOut="0" Duration="0"/>']
        out += ['   <FixtureVal ID="%d">%s</FixtureVal>' % (fid, fv) for fid in range(fixtures)]
        out.append("  </Function>")
    out += ['  <Function ID="2" Type="Chaser" Name="Main">',
            '   <Speed FadeIn="%d" FadeOut="%d" Duration="%d"/>' % (ms, ms, ms),
            "   <Direction>Forward</Direction>",
            "   <RunOrder>Loop</RunOrder>",
            '   <SpeedModes FadeIn="Common" FadeOut="Common" Duration="Common"/>',
            '   <Step Number="0" FadeIn="%d" Hold="0" FadeOut="%d">0</Step>' % (ms, ms),
            '   <Step Number="1" FadeIn="%d" Hold="0" FadeOut="%d">1</Step>' % (ms, ms),
            "  </Function>",
            " </Engine>",
            "</Workspace>"]
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def ola_config(n, peer, confdir):
    os.makedirs(confdir, exist_ok=True)
    for p in OLA_PLUGINS:
        with open(os.path.join(confdir, "ola-%s.conf" % p), "w") as f:
            if p == "e131" and peer == "ola":
                f.write("enabled = true\nip = 192.0.2.1\ninput_ports = 0\noutput_ports = %d\n"
                        "draft_discovery = false\nprepend_hostname = false\nignore_preview = true\n"
                        % max(n, 1))
            elif p == "artnet" and peer == "ola-artnet":
                f.write("enabled = true\nip = 127.0.0.1\nuse_loopback = true\n"
                        "always_broadcast = true\noutput_ports = 4\ninput_ports = 0\n")
            else:
                f.write("enabled = false\n")


# ---- the OLA client (runs inside the namespace, as its own process) ----------

def ola_driver(n, peer):
    """Patches olad's E1.31 (or Art-Net) output ports 0..n-1 to universes
    1..n, then sends every universe the crossfade at RATE_HZ on an absolute
    schedule until killed. Prints "ready" once the ports are patched."""
    import array
    from ola.ClientWrapper import ClientWrapper
    from ola.OlaClient import OlaClient, Plugin

    wrapper = ClientWrapper()
    client = wrapper.Client()
    plugin = Plugin.OLA_PLUGIN_E131 if peer == "ola" else Plugin.OLA_PLUGIN_ARTNET
    state = {"pending": 0, "failed": 0}

    def patched(status):
        state["pending"] -= 1
        if not status.Succeeded():
            state["failed"] += 1
            print("patch failed: %s" % status.message, file=sys.stderr, flush=True)
        if state["pending"] == 0:
            wrapper.Stop()

    def got_devices(status, devices):
        if not status.Succeeded() or not devices:
            print("no device for the plugin (%s)" % status.message, file=sys.stderr, flush=True)
            wrapper.Stop()
            return
        dev = devices[0]
        ports = sorted(p.id for p in dev.output_ports)
        if len(ports) < n:
            print("device has %d output ports, need %d" % (len(ports), n), file=sys.stderr, flush=True)
            state["failed"] += 1
            wrapper.Stop()
            return
        state["pending"] = n
        for i in range(n):
            client.PatchPort(dev.alias, ports[i], True, OlaClient.PATCH, i + 1, patched)

    client.FetchDevices(got_devices, plugin)
    wrapper.Run()
    if state["failed"]:
        sys.exit(1)
    print("ready", flush=True)

    period = 1.0 / RATE_HZ
    start = time.monotonic()
    tick = [0]
    frames = {}

    def frame(level):
        # The crossfade of the shows: red+blue at `level`, green+white at
        # 255 - level; cached per level (there are only 256).
        f = frames.get(level)
        if f is None:
            f = frames[level] = array.array("B", [level, 255 - level, level, 255 - level] * FIXTURES_PER_UNIVERSE)
        return f

    def send():
        t = tick[0] * period
        phase = (t % (2 * FADE_S)) / FADE_S            # 0..2
        level = int(round(255 * (phase if phase <= 1 else 2 - phase)))
        data = frame(level)
        for u in range(1, n + 1):
            client.SendDmx(u, data)
        tick[0] += 1
        delay_ms = max(0.0, (start + tick[0] * period - time.monotonic()) * 1000)
        wrapper.AddEvent(delay_ms, send)

    wrapper.AddEvent(0, send)
    wrapper.Run()


# ---- one measured run (inside its own network namespace) ---------------------

def proc_cpu_s(pid):
    """CPU time of the process so far, all its threads, in seconds: the sum
    of /proc/PID/task/*/schedstat's first field (ns on a CPU), which is exact
    where /proc/PID/stat's utime+stime counts whole clock ticks (10 ms) - too
    coarse for a process using 0.3 % of a core over a few seconds. A thread
    that ended during the window takes its time with it; the peers here keep
    theirs."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total / 1e9


def proc_status_kib(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def udp_counters():
    """The namespace's UDP OutDatagrams and SndbufErrors (/proc/net/snmp)."""
    with open("/proc/net/snmp") as f:
        rows = [line.split() for line in f if line.startswith("Udp:")]
    d = dict(zip(rows[0][1:], (int(x) for x in rows[1][1:])))
    return d.get("OutDatagrams", 0), d.get("SndbufErrors", 0)


def stop(proc, name, timeout=10):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        log("%s did not end within %d s of SIGTERM; killing it" % (name, timeout))
        proc.kill()
        proc.wait()


def start_dumpcap(iface, pcap, tmp, buffer_mib):
    logf = open(os.path.join(tmp, "dumpcap.log"), "w")
    proc = subprocess.Popen(["dumpcap", "-n", "-q", "-i", iface, "-B", str(buffer_mib),
                             "-s", str(CAPTURE_SNAPLEN), "-f",
                             "udp port 6454 or udp port 5568 or udp port 9", "-w", pcap],
                            stdout=logf, stderr=subprocess.STDOUT)
    # Ready once a probe datagram (to the discard port, on the captured
    # interface's address) is in the file: <= 10 s.
    probe_ip = "192.0.2.1" if iface == "pb0" else "127.0.0.1"
    import socket
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(100):
        try:
            s.sendto(b"probe", (probe_ip, 9))
        except OSError:
            pass
        time.sleep(0.1)
        if os.path.exists(pcap) and os.path.getsize(pcap) > 0:
            out = subprocess.run(["capinfos", "-c", "-M", pcap], capture_output=True, text=True).stdout
            if any(line.split()[-1] not in ("0",) for line in out.splitlines()
                   if "Number of packets" in line):
                s.close()
                return proc
    s.close()
    proc.kill()
    raise SystemExit("dumpcap did not start capturing: " + open(os.path.join(tmp, "dumpcap.log")).read())


def run_one(a):
    """Runs one peer at one N for one window; prints a JSON object (with
    "error", the first line of the reason, when the run failed)."""
    try:
        return measure(a)
    except SystemExit as e:
        if not isinstance(e.code, str):
            raise
        print(e.code, file=sys.stderr)
        print(json.dumps({"peer": a.peer, "protocol": PEER_PROTOCOL[a.peer], "n": a.n,
                          "error": e.code.splitlines()[0][:200]}), flush=True)
        return 1


def measure(a):
    n, peer = a.n, a.peer
    sh(["ip", "link", "set", "lo", "up"])
    tmp = tempfile.mkdtemp(prefix="gl-peers-%s-%d." % (peer, n))
    os.chmod(tmp, 0o755)
    procs = []
    result = {"peer": peer, "protocol": PEER_PROTOCOL[peer], "n": n, "rate_hz": RATE_HZ,
              "seconds": a.seconds, "warmup_s": a.warmup, "note": ""}
    # The node: a socket on 127.0.0.1:6454 that never reads (a tiny receive
    # buffer, so the kernel drops what it cannot queue). Without it, packets
    # to a port nobody has bound each cost the sender an ICMP port
    # unreachable (not rate-limited on loopback), and QLC+, which binds
    # *:6454 itself, would receive and parse its own output; with it, the
    # more specific bind takes the unicast and every peer pays the same
    # loopback delivery. olad's Art-Net broadcasts reach it and olad alike.
    import socket
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sink.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sink.bind(("127.0.0.1", 6454))
    try:
        iface = "lo"
        main = None
        driver = None
        env = dict(os.environ)
        if peer == "ghostlight":
            show = os.path.join(tmp, "show.lua")
            ghostlight_show(n, show)
            env["GHOSTLIGHT_FIXTURES"] = os.path.join(REPO, "fixtures", "library")
            env["HOME"] = tmp
            # ghostlight sends its universes to one address as UDP GSO
            # messages (outputs/dmx/udp_batch.h), as it does to any network
            # address; to loopback only when asked, because lo hands GSO
            # messages to captures whole. gso_max_segs 1 has them cut into
            # datagrams before lo, as a network card without UDP
            # segmentation offload does, so the capture sees every one.
            # Only in this peer's namespace: it would also cut TCP on lo.
            sh(["ip", "link", "set", "dev", "lo", "gso_max_segs", "1"])
            env.setdefault("GHOSTLIGHT_UDP_GSO", "1")
            chk = subprocess.run([a.ghostlight, "check", show], capture_output=True, text=True, env=env)
            if chk.returncode != 0:
                raise SystemExit("the generated show does not load:\n" + chk.stdout + chk.stderr)
            launched = time.monotonic()
            main = subprocess.Popen([a.ghostlight, "play", show, "--no-status"], env=env,
                                    stdout=open(os.path.join(tmp, "peer.log"), "w"), stderr=subprocess.STDOUT)
        elif peer == "qlcplus":
            ws = os.path.join(tmp, "bench.qxw")
            qlcplus_workspace(n, ws)
            env["HOME"] = tmp               # QLC+ keeps its settings under $HOME
            env["QT_QPA_PLATFORM"] = "offscreen"
            env["XDG_RUNTIME_DIR"] = tmp
            launched = time.monotonic()
            main = subprocess.Popen(["qlcplus", "-o", ws, "-p"], env=env,
                                    stdout=open(os.path.join(tmp, "peer.log"), "w"), stderr=subprocess.STDOUT)
        else:   # ola, ola-artnet
            if peer == "ola":
                # olad's E1.31 plugin ignores loopback interfaces, and the
                # kernel will not send from a 127/8 source through anything
                # but lo: give it a TEST-NET-1 address on an empty bridge, in
                # this private namespace (no ports: nothing leaves it; the
                # multicast is captured as it goes out of pb0).
                for cmd in (["ip", "link", "add", "pb0", "type", "bridge"],
                            ["ip", "addr", "add", "192.0.2.1/32", "dev", "pb0"],
                            ["ip", "link", "set", "pb0", "up"]):
                    sh(cmd)
                iface = "pb0"
            confdir = os.path.join(tmp, "ola")
            ola_config(n, peer, confdir)
            sh(["chown", "-R", "nobody:nogroup", confdir])    # olad refuses root
            env["HOME"] = confdir
            launched = time.monotonic()
            main = subprocess.Popen(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                                     "olad", "-c", confdir, "--no-http", "--no-register-with-dns-sd", "-l", "2"],
                                    env=env, stdout=open(os.path.join(tmp, "peer.log"), "w"),
                                    stderr=subprocess.STDOUT)
            procs.append(("olad", main))
            for _ in range(100):           # olad's RPC port
                time.sleep(0.1)
                if subprocess.run(["ss", "-ltn", "sport = :9010"], capture_output=True,
                                  text=True).stdout.count("9010"):
                    break
            driver = subprocess.Popen(["/usr/bin/python3", os.path.abspath(__file__), "--ola-driver",
                                       "--peer", peer, "--n", str(n)],
                                      stdout=subprocess.PIPE, stderr=open(os.path.join(tmp, "driver.log"), "w"),
                                      text=True)
            procs.append(("OLA client", driver))
            line = driver.stdout.readline()
            if line.strip() != "ready":
                raise SystemExit("the OLA client could not patch olad's ports:\n"
                                 + open(os.path.join(tmp, "driver.log")).read()
                                 + open(os.path.join(tmp, "peer.log")).read()[-2000:])
        procs.append((peer, main))

        # Sending once the namespace's UDP output runs at >= 1 datagram per
        # universe per second (at most 25: a peer that sends with UDP GSO
        # counts one datagram per message of many universes) for two
        # seconds in a row.
        prev, _ = udp_counters()
        ok = 0
        sending = None
        while ok < 2:
            time.sleep(1)
            if main.poll() is not None:
                raise SystemExit("%s exited early (status %d) after %.0f s; its log ends:\n%s"
                                 % (peer, main.returncode, time.monotonic() - launched,
                                    open(os.path.join(tmp, "peer.log")).read()[-3000:]))
            if time.monotonic() - launched > a.load_timeout:
                raise SystemExit("%s sent nothing within %d s" % (peer, a.load_timeout))
            cur, _ = udp_counters()
            ok = ok + 1 if cur - prev >= min(n, 25) else 0
            if ok == 1:
                sending = time.monotonic() - 1
            prev = cur
        result["load_s"] = round(sending - launched, 1)   # to within a second
        time.sleep(a.warmup)

        pcap = os.path.join(tmp, "cap.pcapng")
        dumpcap = start_dumpcap(iface, pcap, tmp, 256)
        procs.insert(0, ("dumpcap", dumpcap))     # stopped last, on any exit
        c0, d0 = proc_cpu_s(main.pid), proc_cpu_s(driver.pid) if driver else 0
        o0, e0 = udp_counters()
        t0 = time.monotonic()
        time.sleep(a.seconds)
        c1, d1 = proc_cpu_s(main.pid), proc_cpu_s(driver.pid) if driver else 0
        t1 = time.monotonic()
        o1, e1 = udp_counters()
        result["rss_mib"] = proc_status_kib(main.pid, "VmRSS") / 1024.0
        result["hwm_mib"] = proc_status_kib(main.pid, "VmHWM") / 1024.0
        result["threads"] = proc_status_kib(main.pid, "Threads")
        result["cpu_pct"] = 100.0 * (c1 - c0) / (t1 - t0)
        result["driver_cpu_pct"] = 100.0 * (d1 - d0) / (t1 - t0) if driver else None
        result["udp_out_per_s"] = (o1 - o0) / (t1 - t0)
        result["udp_send_errors"] = e1 - e0
        if main.poll() is not None:
            raise SystemExit("%s exited during the window (status %d)" % (peer, main.returncode))
        dumpcap.send_signal(signal.SIGINT)      # the capture is the window
        dumpcap.wait(30)
        for name, p in reversed(procs):
            stop(p, name)
        dlog = open(os.path.join(tmp, "dumpcap.log")).read()
        dropped = None
        # "Packets received/dropped on interface 'Loopback: lo': 123/0 (pcap:0/...)"
        m = re.search(r"^Packets received/dropped on interface .*: (\d+)/(\d+) ", dlog, re.M)
        if m:
            dropped = int(m.group(2))
        result["dumpcap_dropped"] = dropped

        streams, excluded = capture_stats.collect(pcap, PEER_PROTOCOL[peer])
        rows = capture_stats.stats(streams)
        tot = capture_stats.totals(streams, rows, excluded)
        result.update({"universes_seen": tot["universes"], "frames": tot["frames"],
                       "capture_s": tot["seconds"], "packets_per_s": tot["packets_per_s"],
                       "fps_median": tot["fps_median"], "fps_min": tot["fps_min"],
                       "gap_p50_ms": tot["gap_p50_ms_median"], "gap_p99_ms": tot["gap_p99_ms_max"],
                       "gap_max_ms": tot["gap_max_ms"], "seq_skips": tot["seq_skips"]})
        # Frames counted at most at the nominal rate: QLC+, when its master
        # timer is late, runs ticks back to back and sends bursts of frames
        # microseconds apart, which are not more work done.
        pps = min(tot["packets_per_s"], n * RATE_HZ)
        result["cpu_us_per_uframe"] = (result["cpu_pct"] / 100.0 * 1e6 / pps) if pps > 0 else None
        print(json.dumps(result), flush=True)
    finally:
        for name, p in reversed(procs):
            stop(p, name)
        sink.close()
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            log("kept " + tmp)


# ---- the whole benchmark -----------------------------------------------------

COLUMNS = [  # (csv key, markdown header, format)
    ("peer", "peer", "%s"), ("protocol", "proto", "%s"), ("n", "N", "%d"),
    ("cpu_pct", "CPU %", "%.1f"), ("cpu_us_per_uframe", "CPU us/universe-frame", "%.2f"),
    ("rss_mib", "RSS MiB", "%.1f"), ("fps_median", "fps/universe median", "%.2f"),
    ("fps_min", "fps min", "%.2f"), ("gap_p50_ms", "gap p50 ms", "%.2f"),
    ("gap_p99_ms", "gap p99 ms", "%.2f"), ("gap_max_ms", "gap max ms", "%.2f"),
    ("universes_seen", "universes seen", "%d"), ("load_s", "load s", "%.1f"),
    ("driver_cpu_pct", "client CPU %", "%.1f"), ("seq_skips", "seq skips", "%d"),
    ("dumpcap_dropped", "capture drops", "%d"), ("runs", "runs", "%d"), ("note", "note", "%s"),
]
CSV_ONLY = [("hwm_mib", "peak RSS MiB", "%.1f"), ("threads", "threads", "%d"),
            ("packets_per_s", "packets/s", "%.0f"), ("udp_send_errors", "UDP send errors", "%d")]


def median_row(results):
    """Median of every numeric field over the runs of one (peer, N)."""
    ok = [r for r in results if "error" not in r]
    row = {"peer": results[0]["peer"], "protocol": results[0]["protocol"], "n": results[0]["n"],
           "runs": len(ok), "note": ""}
    if not ok:
        row["note"] = results[0]["error"]
        return row
    for key, _, _ in COLUMNS + CSV_ONLY:
        vals = [r.get(key) for r in ok if isinstance(r.get(key), (int, float))]
        if key not in row and vals:
            row[key] = statistics.median(vals)
    notes = sorted({r["error"] for r in results if "error" in r})
    if notes:
        row["note"] = "%d of %d runs failed: %s" % (len(results) - len(ok), len(results), "; ".join(notes))
    return row


def fmt(row, key, f):
    v = row.get(key)
    if v is None or v == "":
        return "-" if key != "note" else ""
    if f == "%d":
        return "%d" % round(v)
    return f % v


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = 0
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) // 1024

    def ver(pkg):
        r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True)
        return r.stdout.strip() or "?"
    rev = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True).stdout.strip() or "?"
    dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return ("%d x %s, %d MiB RAM, Linux %s; ghostlight %s%s, qlcplus %s, ola %s"
            % (os.cpu_count(), model, mem, os.uname().release, rev, "+changes" if dirty else "",
               ver("qlcplus"), ver("ola")))


def targets(rows):
    """Issue #6's targets checked against this run's medians."""
    by = {(r["peer"], r["n"]): r for r in rows}
    period_ms = 1000.0 / RATE_HZ
    out = []
    for n in (64, 256):
        g, q = by.get(("ghostlight", n)), by.get(("qlcplus", n))
        if g and q and g.get("cpu_us_per_uframe") and q.get("cpu_us_per_uframe"):
            ratio = q["cpu_us_per_uframe"] / g["cpu_us_per_uframe"]
            out.append("- N=%d CPU per universe-frame: ghostlight %.2f us, QLC+ %.2f us: QLC+/ghostlight = %.1fx "
                       "(target >= 20x): %s" % (n, g["cpu_us_per_uframe"], q["cpu_us_per_uframe"], ratio,
                                                "met" if ratio >= 20 else "MISSED"))
        if g and g.get("gap_p99_ms") is not None:
            d = g["gap_p99_ms"] - period_ms
            qd = (" (QLC+ %+.2f ms)" % (q["gap_p99_ms"] - period_ms)) if q and q.get("gap_p99_ms") else ""
            out.append("- N=%d ghostlight gap p99 %.2f ms = period %+.2f ms (target within 0.5 ms)%s: %s"
                       % (n, g["gap_p99_ms"], d, qd, "met" if abs(d) <= 0.5 else "MISSED"))
    g = by.get(("ghostlight", 1024))
    if g and g.get("fps_min") is not None:
        held = g["fps_min"] >= 0.99 * RATE_HZ and g.get("universes_seen", 0) == 1024
        out.append("- N=1024 ghostlight holds its rate: fps min %.2f (median %.2f) of %d Hz, %d of 1024 universes "
                   "seen, gap p99 %.2f ms: %s" % (g["fps_min"], g.get("fps_median", 0), RATE_HZ,
                                                  g.get("universes_seen", 0), g.get("gap_p99_ms", 0),
                                                  "met" if held else "MISSED"))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="N = 1 and 64, 3 s windows, 4 s warm-up")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float)
    ap.add_argument("--warmup", type=float)
    ap.add_argument("--universes", help="N list for every peer (default 1,16,64,256)")
    ap.add_argument("--ghostlight-extra", help="extra N for ghostlight only (default 1024)")
    ap.add_argument("--peers", default="ghostlight,qlcplus,ola,ola-artnet")
    ap.add_argument("--csv", help="CSV file (default /tmp/ghostlight-peers-DATE.csv)")
    ap.add_argument("--ghostlight")
    ap.add_argument("--bench-engine")
    ap.add_argument("--load-timeout", type=int, default=600)
    ap.add_argument("--keep", action="store_true", help="keep each run's temp dir")
    ap.add_argument("--attempts", type=int, default=3, help="starts per run before giving up on it")
    # internal: one run inside a namespace, and the OLA client
    ap.add_argument("--run-one", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--ola-driver", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--peer", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()

    if a.ola_driver:
        return ola_driver(a.n, a.peer)
    if a.run_one:
        return run_one(a)

    if os.geteuid() != 0:
        sys.exit("peers.py: needs root (network namespaces, packet capture); see bench/peers.sh")
    seconds = a.seconds or (3 if a.quick else 10)
    # QLC+ starts sending before its chaser runs and needs a few seconds
    # to settle; shorter warm-ups measure its start-up.
    warmup = a.warmup if a.warmup is not None else (4 if a.quick else 5)
    ns = [int(x) for x in (a.universes or ("1,64" if a.quick else "1,16,64,256")).split(",")]
    extra = [int(x) for x in (a.ghostlight_extra if a.ghostlight_extra is not None
                              else ("" if a.quick else "1024")).split(",") if x]
    peers = a.peers.split(",")
    gl = a.ghostlight or os.path.join(REPO, "build", "ghostlight")
    bench_engine = a.bench_engine or os.path.join(os.path.dirname(gl), "bench_engine")
    csv_path = a.csv or "/tmp/ghostlight-peers-%s.csv" % datetime.datetime.now().strftime("%Y%m%d-%H%M%S")

    plan = []
    for peer in peers:
        for n in ns + (extra if peer == "ghostlight" else []):
            if peer == "ola-artnet" and n > OLA_ARTNET_MAX:
                continue
            plan.append((peer, n))
    results = {k: [] for k in plan}
    failed_starts = {k: [] for k in plan}
    started = time.monotonic()
    for run in range(1, a.runs + 1):
        for peer, n in plan:      # runs interleaved: drift hits every peer alike
            log("run %d/%d: %s N=%d (%.0f s so far)" % (run, a.runs, peer, n, time.monotonic() - started))
            cmd = ["unshare", "-n", "/usr/bin/python3", os.path.abspath(__file__), "--run-one",
                   "--peer", peer, "--n", str(n), "--seconds", str(seconds), "--warmup", str(warmup),
                   "--ghostlight", gl, "--load-timeout", str(a.load_timeout)] + (["--keep"] if a.keep else [])
            for attempt in range(1, a.attempts + 1):
                p = subprocess.run(cmd, capture_output=True, text=True)
                sys.stderr.write(p.stderr)
                try:
                    r = json.loads(p.stdout.strip().splitlines()[-1])
                except (ValueError, IndexError):
                    err = (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]
                    r = {"peer": peer, "protocol": PEER_PROTOCOL[peer], "n": n, "error": err[:200]}
                if "error" not in r:
                    break
                # A peer that crashes while loading (QLC+ 4.12.6 sometimes
                # does, SIGSEGV) is started again; the table counts it.
                log("run failed (attempt %d of %d): %s" % (attempt, a.attempts, r["error"]))
                failed_starts[(peer, n)].append(r["error"])
            results[(peer, n)].append(r)

    rows = [median_row(results[k]) for k in plan]
    for row, k in zip(rows, plan):
        fails = failed_starts[k]
        if fails:
            first = fails[0].split(";")[0]
            row["note"] = "; ".join(x for x in (row["note"], "%d failed start%s retried (%s)" % (
                len(fails), "s" if len(fails) > 1 else "", first)) if x)
    if "ola-artnet" in peers:
        # Say what cannot be run, rather than leave a hole.
        for n in ns:
            if n > OLA_ARTNET_MAX:
                rows.append({"peer": "ola-artnet", "protocol": "artnet", "n": n, "runs": 0,
                             "note": "not possible: olad's Art-Net device has %d output ports" % OLA_ARTNET_MAX})
    with open(csv_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([c[0] for c in COLUMNS + CSV_ONLY])
        for r in rows:
            w.writerow(["" if r.get(k) is None else r.get(k) for k, _, _ in COLUMNS + CSV_ONLY])
    raw_path = csv_path[:-4] + "-runs.json" if csv_path.endswith(".csv") else csv_path + ".runs.json"
    with open(raw_path, "w") as f:
        json.dump({"plan": ["%s %d" % k for k in plan], "runs": [results[k] for k in plan],
                   "failed_starts": [failed_starts[k] for k in plan]}, f, indent=1)

    print("## ghostlight vs QLC+ vs OLA%s" % (" (--quick)" if a.quick else ""))
    print()
    print("Machine: %s." % machine())
    print("Every peer: N universes x 128 RGBW fixtures (all 512 slots), a looping crossfade with %d s fades so "
          "every channel changes every frame, %d frames/s (period %.0f ms), sent on loopback in a private "
          "network namespace; medians of %d runs, %g s measuring windows after a %g s warm-up. CPU %% is one "
          "core (the peer's whole process); CPU us/universe-frame = CPU time / DMX packets captured (at most N x "
          "%d a second); fps and "
          "gaps per universe from the capture (tests/tools/capture_stats.py): fps/gap p50 = median over "
          "universes, fps min / gap p99 / max = worst universe. OLA = olad fed by a client at the same rate "
          "(client CPU apart)."
          % (FADE_S, RATE_HZ, 1000.0 / RATE_HZ, a.runs, seconds, warmup, RATE_HZ))
    print()
    print("| " + " | ".join(c[1] for c in COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for r in rows:
        print("| " + " | ".join(fmt(r, k, f) for k, _, f in COLUMNS) + " |")
    print()
    tl = targets(rows)
    if tl:
        print("Targets (issue #6), this run:")
        print("\n".join(tl))
        print()
    if os.path.exists(bench_engine):
        eng_ns = ",".join(str(x) for x in sorted(set(ns + extra + [1, 16, 64, 256, 1024])))
        print("Engine micro-benchmark (%s --universes %s --seconds %d --rate %d):"
              % (os.path.relpath(bench_engine, REPO) if bench_engine.startswith(REPO) else bench_engine,
                 eng_ns, 1 if a.quick else 3, RATE_HZ))
        print()
        p = subprocess.run([bench_engine, "--universes", eng_ns, "--seconds", "1" if a.quick else "3",
                            "--rate", str(RATE_HZ)], capture_output=True, text=True)
        print(p.stdout.rstrip())
        print()
    else:
        log("no %s: engine micro-benchmark skipped" % bench_engine)
    print("CSV: %s (per-run figures: %s); took %.0f s" % (csv_path, raw_path, time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
