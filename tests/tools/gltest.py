"""gltest.py - shared helpers for the integration tests and the capture
benchmark: reading a capture through tshark's dissectors, and asking
`ghostlight render` what the engine computes at given instants.

Used by capture_stats.py, wire_check.py and ola_readback.py (same folder).
Plain Python 3.9+ standard library; runs under Debian's /usr/bin/python3.

tshark notes (Wireshark 4.0, Debian 12): sACN is not dissected on port 5568
by default and `-d udp.port==5568,acn` is rejected ("acn isn't valid for
layer type udp.port"); the ACN *heuristic* dissector works. It dissects
data packets (root vector 4) only: E1.31 sync and universe discovery
(root vector 8) show up as plain UDP with no acn.* fields, which is how we
tell them apart.
"""
import os
import shutil
import statistics
import subprocess
import sys

SACN_PORT = 5568
ARTNET_PORT = 6454
SACN_SLOT0 = 126          # udp.payload offset of slot 1 in an E1.31 data packet
ARTNET_SLOT0 = 18         # udp.payload offset of slot 1 in an ArtDmx packet
SACN_OPT_TERMINATED = 0x40

TSHARK_ACN = ["--enable-heuristic", "acn", "-o", "acn.dmx_enable:TRUE"]


def die(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def tshark_fields(pcap, fields, display_filter=None, extra=()):
    """Runs tshark over `pcap` and yields one dict per packet, keyed by
    field name, values as text ("" when the packet lacks the field). Only
    the first occurrence of a field is kept."""
    tshark = shutil.which("tshark")
    if not tshark:
        die("tshark not found")
    cmd = [tshark, "-n", "-r", pcap] + TSHARK_ACN + list(extra)
    if display_filter:
        cmd += ["-Y", display_filter]
    cmd += ["-T", "fields", "-E", "separator=\t", "-E", "occurrence=f"]
    for f in fields:
        cmd += ["-e", f]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, bufsize=1 << 20)
    for line in proc.stdout:
        parts = line.rstrip("\n").split("\t")
        parts += [""] * (len(fields) - len(parts))
        yield dict(zip(fields, parts))
    err = proc.stderr.read()
    if proc.wait() != 0:
        die("tshark failed (%d): %s" % (proc.returncode, err.strip()))


def tshark_count(pcap, display_filter):
    """How many packets of `pcap` match the display filter."""
    n = 0
    for _ in tshark_fields(pcap, ["frame.number"], display_filter):
        n += 1
    return n


def num(text, base=10):
    """tshark field text to int: "0x5000" and "14" both work; "" -> None."""
    if text == "":
        return None
    if text.startswith("0x"):
        return int(text, 16)
    return int(text, base)


def render(ghostlight, show, times, universe=None):
    """`ghostlight render` at the given seconds (ascending). Returns a list
    parallel to `times` of {universe: [512 ints]}. Calls render in chunks
    (it takes at most 256 instants per call)."""
    out = []
    for i in range(0, len(times), 200):
        chunk = times[i:i + 200]
        cmd = [ghostlight, "render", show, "--at",
               ",".join("%.4f" % t for t in chunk)]
        if universe:
            cmd += ["--universe", str(universe)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            die("%s failed (%d): %s" % (" ".join(cmd[:3]), proc.returncode,
                                         proc.stderr.strip()))
        frames = []
        cur = None
        last_t = None
        for line in proc.stdout.splitlines():
            f = line.split()
            if len(f) != 514:
                die("render printed a line with %d fields, want 514: %r"
                    % (len(f), line[:80]))
            # lines come grouped by instant, in the order asked; an instant
            # starts a new group when its text changes or a universe repeats
            u = int(f[1])
            if cur is None or f[0] != last_t or u in cur:
                cur = {}
                frames.append(cur)
                last_t = f[0]
            cur[u] = [int(v) for v in f[2:]]
        if len(frames) != len(chunk):
            die("render gave %d instants for %d asked" % (len(frames), len(chunk)))
        out.extend(frames)
    return out


def grid(t_end, step):
    n = int(round(t_end / step))
    return [round(k * step, 4) for k in range(n + 1)]


def segments(times, frames, min_plateau_s):
    """Splits a render grid into plateaus (nothing changes for at least
    min_plateau_s) and the changing stretches between them. Returns
    (plateaus, fades) as lists of (start_s, end_s)."""
    plateaus, fades = [], []
    start = 0
    for k in range(1, len(times) + 1):
        if k == len(times) or frames[k] != frames[k - 1]:
            if times[k - 1] - times[start] >= min_plateau_s:
                plateaus.append((times[start], times[k - 1]))
            start = k
    # fades: between consecutive plateaus (and before the first one)
    edges = [(0.0, 0.0)] + plateaus
    for (a0, a1), (b0, b1) in zip(edges, edges[1:]):
        if b0 - a1 > 0.1:
            fades.append((a1, b0))
    return plateaus, fades


def last_change_s(ghostlight, show, horizon_s=30.0, step_s=0.05):
    """When the show's output last changes within horizon_s (render on a
    step_s grid); horizon_s for a show that never settles (loop = true)."""
    times = grid(horizon_s, step_s)
    frames = render(ghostlight, show, times)
    last = 0.0
    for k in range(1, len(times)):
        if frames[k] != frames[k - 1]:
            last = times[k]
    return last


def play_seconds(ghostlight, show, lo=5.0, hi=15.0):
    """How long to play a test show: until it settles plus 1.5 s to see the
    final plateau, clamped to [lo, hi]."""
    return max(lo, min(hi, last_change_s(ghostlight, show) + 1.5))


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))
    return s[k]


def median(values):
    return statistics.median(values)


def here(name):
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), name)


if __name__ == "__main__":
    # gltest.py play-seconds GHOSTLIGHT SHOW: for the test scripts
    if len(sys.argv) == 4 and sys.argv[1] == "play-seconds":
        print("%.1f" % play_seconds(sys.argv[2], sys.argv[3]))
    else:
        print("usage: gltest.py play-seconds GHOSTLIGHT SHOW", file=sys.stderr)
        sys.exit(2)
