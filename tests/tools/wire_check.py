#!/usr/bin/env python3
"""wire_check.py - checks a capture of `ghostlight play` against the sACN and
Art-Net specifications (through tshark's dissectors, cross-checked byte by
byte) and against `ghostlight render` for the same show.

    wire_check.py --pcap CAP --ghostlight BIN --show SHOW --universes 1,2
                  [--priority 100] [--source-name NAME] [--window-ms 30]

Prints every check with the figures it saw; exits 1 on the first class of
failure found (after printing all failures of the checks run so far).
Used by tests/integration/tshark_wire.sh.
"""
import argparse
import os
import re
import struct
import sys

sys.dont_write_bytecode = True    # never leave __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gltest  # noqa: E402

SACN_FIELDS = ["frame.number", "frame.time_epoch", "ip.dst", "udp.payload", "acn.protocol_id",
               "acn.dmx_vector", "acn.cid", "acn.dmx.source_name", "acn.dmx.priority",
               "acn.dmx.seq_number", "acn.dmx.options", "acn.dmx.universe",
               "acn.dmx.count", "acn.dmx.start_code2", "acn.dmx.first_property_address",
               "acn.dmx.increment"]
ARTNET_FIELDS = ["frame.number", "frame.time_epoch", "ip.dst", "udp.payload", "artnet.header.id",
                 "artnet.header.opcode", "artnet.header.protver", "artnet.output.sequence",
                 "artnet.output.physical", "artnet.output.universe", "artnet.output.length",
                 "dmx_chan.data_filter"]

GRID_S = 0.005            # render grid for the value checks
PLATEAU_MIN_S = 0.5       # a plateau must last this long to be sampled

failures = []


def fail(msg):
    failures.append(msg)
    print("  FAIL: " + msg)


def check(cond, msg):
    if not cond:
        fail(msg)
    return cond


def stop_if_failed(what):
    if failures:
        print("FAIL: %s: %d problem(s), first: %s" % (what, len(failures), failures[0]))
        sys.exit(1)


def be16(b, off):
    return struct.unpack_from(">H", b, off)[0]


def be32(b, off):
    return struct.unpack_from(">I", b, off)[0]


# ---- sACN -------------------------------------------------------------------

def check_sacn_raw(p, r):
    """E1.31-2018 data packet layout (PROTOCOLS.md table) from the bytes,
    independent of the dissector. Returns a problem or None."""
    n = len(p)
    if n < 126:
        return "data packet of %d bytes" % n
    want = [(be16(p, 0), 0x0010, "preamble size"), (be16(p, 2), 0, "postamble size"),
            (p[4:16], b"ASC-E1.17\0\0\0", "ACN packet identifier"),
            (be16(p, 16), 0x7000 | (n - 16), "root flags+length"),
            (be32(p, 18), 4, "root vector"),
            (be16(p, 38), 0x7000 | (n - 38), "framing flags+length"),
            (be32(p, 40), 2, "framing vector"),
            (be16(p, 109), 0, "sync address (no sync_universe configured)"),
            (be16(p, 115), 0x7000 | (n - 115), "DMP flags+length"),
            (p[117], 0x02, "DMP vector"), (p[118], 0xA1, "address & data type"),
            (be16(p, 119), 0, "first property address"), (be16(p, 121), 1, "address increment"),
            (be16(p, 123), n - 125, "property value count"),
            (p[44:108].split(b"\0")[0].decode("utf-8", "replace"), r["acn.dmx.source_name"],
             "source name bytes vs dissector"),
            (p[108], gltest.num(r["acn.dmx.priority"]), "priority byte vs dissector"),
            (p[111], gltest.num(r["acn.dmx.seq_number"]), "sequence byte vs dissector"),
            (p[112], gltest.num(r["acn.dmx.options"]), "options byte vs dissector"),
            (be16(p, 113), gltest.num(r["acn.dmx.universe"]), "universe bytes vs dissector")]
    for got, exp, what in want:
        if got != exp:
            return "%s is %r, want %r" % (what, got, exp)
    if 0 not in p[44:108]:
        return "source name is not NUL-terminated within 64 bytes"
    return None


def check_extended(p, universes):
    """An E1.31 extended packet (root vector 8). No sync address is
    configured, so it must be universe discovery (framing vector 2, E1.31
    8): universe 64214, page 0 of 0 here, listing exactly our universes.
    Returns a problem or None."""
    n = len(p)
    if n < 120:
        return "extended packet of %d bytes (a discovery packet has >= 120)" % n
    want = [(be16(p, 16), 0x7000 | (n - 16), "root flags+length"),
            (be32(p, 40), 2, "framing vector (2 = discovery; no sync configured)"),
            (be16(p, 38), 0x7000 | (n - 38), "framing flags+length"),
            (be16(p, 112), 0x7000 | (n - 112), "discovery layer flags+length"),
            (be32(p, 114), 1, "discovery layer vector"),
            (p[118], 0, "page"), (p[119], 0, "last page"),
            (sorted(be16(p, k) for k in range(120, n, 2)), sorted(universes), "universe list")]
    for got, exp, what in want:
        if got != exp:
            return "discovery %s is %r, want %r" % (what, got, exp)
    if [be16(p, k) for k in range(120, n, 2)] != sorted(universes):
        return "discovery universe list is not sorted"
    return None


def load_sacn(pcap, universes, priority, source_name, dest):
    print("sACN (udp 5568, ACN heuristic dissector):")
    data = {u: [] for u in universes}
    cids, names, other_unis, extended, dests = set(), set(), set(), 0, set()
    rows = list(gltest.tshark_fields(pcap, SACN_FIELDS, "udp.dstport == 5568"))
    for r in rows:
        p = bytes.fromhex(r["udp.payload"].replace(":", ""))
        dests.add(r["ip.dst"])
        if r["acn.dmx.universe"] == "":
            # not dissected: must be an E1.31 extended packet (sync/discovery)
            if len(p) >= 22 and p[4:16] == b"ASC-E1.17\0\0\0" and be32(p, 18) == 8:
                extended += 1
                cids.add(p[22:38].hex())
                prob = check_extended(p, universes)
                if prob:
                    fail("frame %s: %s" % (r["frame.number"], prob))
            else:
                fail("frame %s: undissected packet to 5568 that is not an E1.31 "
                     "extended packet (%d bytes: %s...)" % (r["frame.number"], len(p), p[:24].hex()))
            continue
        u = gltest.num(r["acn.dmx.universe"])
        if u not in data:
            other_unis.add(u)
            continue
        prob = check_sacn_raw(p, r)
        if prob:
            fail("frame %s (universe %d): %s" % (r["frame.number"], u, prob))
        cids.add(r["acn.cid"].replace("-", ""))
        names.add(r["acn.dmx.source_name"])
        data[u].append({
            "frame": r["frame.number"], "t": float(r["frame.time_epoch"]),
            "seq": gltest.num(r["acn.dmx.seq_number"]),
            "options": gltest.num(r["acn.dmx.options"]),
            "priority": gltest.num(r["acn.dmx.priority"]),
            "count": gltest.num(r["acn.dmx.count"]),
            "start_code": gltest.num(r["acn.dmx.start_code2"]),
            "slots": list(p[gltest.SACN_SLOT0:]),
        })
    counts = {u: len(v) for u, v in data.items()}
    print("  data packets per universe %s, universe discovery %d (E1.31 extended, "
          "not dissected by tshark 4.0: checked from the bytes)" % (counts, extended))
    check(dests == {dest}, "sent to %s, want only %s (unicast)" % (sorted(dests), dest))
    print("  destination: %s" % sorted(dests))
    check(not other_unis, "packets for universes the show does not output: %s" % sorted(other_unis))
    for u, pk in data.items():
        check(len(pk) >= 10, "universe %d: only %d data packets" % (u, len(pk)))
    stop_if_failed("sACN packet layout")

    check(len(cids) == 1, "CID not constant: %s" % sorted(cids))
    print("  CID constant: %s" % sorted(cids))
    if source_name is not None:
        check(names == {source_name}, "source names %s, want %r" % (sorted(names), source_name))
    check(len(names) == 1 and "" not in names, "source name empty or not constant: %s" % sorted(names))
    print("  source name: %s" % sorted(names))
    for u, pk in data.items():
        prios = sorted({x["priority"] for x in pk})
        check(prios == [priority], "universe %d: priorities %s, want %d" % (u, prios, priority))
        bad = [x["frame"] for x in pk if x["count"] != 513 or x["start_code"] != 0
               or len(x["slots"]) != 512]
        check(not bad, "universe %d: %d packets without start code 0 + 512 slots (frames %s)"
              % (u, len(bad), bad[:5]))
        seq_bad = [(a["seq"], b["seq"], b["frame"]) for a, b in zip(pk, pk[1:])
                   if b["seq"] != (a["seq"] + 1) % 256]
        check(not seq_bad, "universe %d: sequence does not advance by 1 mod 256 at %d place(s), "
              "e.g. (prev, got, frame) %s" % (u, len(seq_bad), seq_bad[:3]))
        wraps = sum(1 for a, b in zip(pk, pk[1:]) if b["seq"] < a["seq"])
        term = [i for i, x in enumerate(pk) if x["options"] & gltest.SACN_OPT_TERMINATED]
        check(term == list(range(len(pk) - 3, len(pk))),
              "universe %d: stream-terminated packets at positions %s of %d, want the last 3"
              % (u, term[:8], len(pk)))
        other_opts = sorted({x["options"] & ~gltest.SACN_OPT_TERMINATED for x in pk} - {0})
        check(not other_opts, "universe %d: unexpected option bits %s" % (u, other_opts))
        print("  universe %d: %d packets, priority %s, 513 properties each, seq %d..%d "
              "(+1 mod 256, %d wraps), terminated bit on packets %s (last 3)"
              % (u, len(pk), prios, pk[0]["seq"], pk[-1]["seq"], wraps,
                 [x["seq"] for x in pk if x["options"] & 0x40]))
    stop_if_failed("sACN header checks")
    return data


# ---- Art-Net ------------------------------------------------------------------

def load_artnet(pcap, port_addresses, dest):
    print("Art-Net (udp 6454):")
    pa_to_u = {pa: u for u, pa in port_addresses.items()}
    data = {u: [] for u in port_addresses}
    other_ops, other_pas, dests = {}, set(), set()
    for r in gltest.tshark_fields(pcap, ARTNET_FIELDS, "udp.dstport == 6454"):
        p = bytes.fromhex(r["udp.payload"].replace(":", ""))
        dests.add(r["ip.dst"])
        op = gltest.num(r["artnet.header.opcode"])
        if op is None:
            fail("frame %s: packet to 6454 not dissected as Art-Net: %s" % (r["frame.number"], p[:16].hex()))
            continue
        if op != 0x5000:
            other_ops[op] = other_ops.get(op, 0) + 1
            if op == 0x5200:
                check(len(p) == 14 and p[10:12] == b"\0\x0e",
                      "frame %s: ArtSync of %d bytes, ProtVer bytes %s" % (r["frame.number"], len(p), p[10:12].hex()))
            continue
        pa = gltest.num(r["artnet.output.universe"])
        length = gltest.num(r["artnet.output.length"])
        slots = bytes.fromhex(r["dmx_chan.data_filter"].replace(":", ""))
        # bytes, independent of the dissector: ID, OpCode LE, ProtVer BE,
        # SubUni + Net = port-address, Length BE
        raw = [(p[0:8], b"Art-Net\0", "ID"), (p[8:10], b"\x00\x50", "OpCode bytes (LE 0x5000)"),
               (p[10:12], b"\x00\x0e", "ProtVer bytes (14 BE)"),
               (gltest.num(r["artnet.header.protver"]), 14, "ProtVer"),
               (p[14] | (p[15] & 0x7f) << 8, pa, "SubUni/Net vs dissector"),
               (p[15] & 0x80, 0, "Net bit 7"),
               (be16(p, 16), length, "Length bytes vs dissector"),
               (len(p), 18 + length, "packet size vs Length"),
               (p[18:], slots, "slot bytes vs dmx_chan.data_filter")]
        for got, exp, what in raw:
            if got != exp:
                fail("frame %s: %s is %r, want %r" % (r["frame.number"], what,
                                                       got if not isinstance(got, bytes) else got[:16],
                                                       exp if not isinstance(exp, bytes) else exp[:16]))
                break
        if pa not in pa_to_u:
            other_pas.add(pa)
            continue
        data[pa_to_u[pa]].append({"frame": r["frame.number"], "t": float(r["frame.time_epoch"]),
                                  "seq": gltest.num(r["artnet.output.sequence"]),
                                  "length": length, "slots": list(slots)})
    print("  ArtDmx per universe %s; other opcodes %s"
          % ({u: len(v) for u, v in data.items()},
             {"0x%04x" % k: v for k, v in sorted(other_ops.items())}))
    check(dests == {dest}, "sent to %s, want only %s (nodes)" % (sorted(dests), dest))
    print("  destination: %s" % sorted(dests))
    check(not other_pas, "ArtDmx to port-addresses the show does not map: %s (want %s)"
          % (sorted(other_pas), sorted(pa_to_u)))
    for u, pk in data.items():
        check(len(pk) >= 10, "universe %d (port-address %d): only %d ArtDmx packets"
              % (u, port_addresses[u], len(pk)))
    stop_if_failed("Art-Net packet layout")
    for u, pk in data.items():
        lens = sorted({x["length"] for x in pk})
        check(lens == [512], "universe %d: lengths %s, want 512 (even)" % (u, lens))
        seqs = [x["seq"] for x in pk]
        if seqs[0] == 0:
            check(set(seqs) == {0}, "universe %d: sequence starts at 0 (off) but later is %s"
                  % (u, sorted(set(seqs))[:5]))
        else:
            bad = [(a, b) for a, b in zip(seqs, seqs[1:]) if b != a % 255 + 1]
            check(not bad, "universe %d: sequence does not advance 1..255 at %d place(s), e.g. %s"
                  % (u, len(bad), bad[:3]))
        print("  universe %d: port-address %d, %d ArtDmx, ProtVer 14, length %s, sequence %d..%d"
              % (u, port_addresses[u], len(pk), lens, seqs[0], seqs[-1]))
    stop_if_failed("Art-Net header checks")
    return data


# ---- values -------------------------------------------------------------------

def slot_range(frames, lo, hi):
    """Per-slot [min, max] over render frames lo..hi (inclusive indexes)."""
    mins = list(frames[lo])
    maxs = list(frames[lo])
    for f in frames[lo + 1:hi + 1]:
        for k, v in enumerate(f):
            if v < mins[k]:
                mins[k] = v
            elif v > maxs[k]:
                maxs[k] = v
    return mins, maxs


def find_fine_slots(rendered, universes):
    """Slots that are the low byte of a 16-bit parameter (16-bit pan/tilt),
    found from render: somewhere the slot wraps (moves by more than 128
    between two 5 ms grid points) while the slot before it moves by exactly
    1 the other way, a carry. A low byte is not monotone within a fade, so
    its own [min, max] over a window means nothing: it is judged together
    with its high byte as one 16-bit value instead."""
    fine = {u: set() for u in universes}
    for u in universes:
        for f0, f1 in zip(rendered, rendered[1:]):
            a, b = f0[u], f1[u]
            if a == b:
                continue
            for k in range(1, 512):
                d = b[k] - a[k]
                if d > 128 or d < -128:
                    dc = b[k - 1] - a[k - 1]
                    if (dc == 1 and d < 0) or (dc == -1 and d > 0):
                        fine[u].add(k)
    return fine


FINE = {}                 # universe -> set of 0-based low-byte slot indexes


def outside(slots, mins, maxs, u=None, frames=None):
    """Slots outside [min, max] as (slot, got, min, max). A low byte of a
    16-bit pair (FINE) is judged as coarse * 256 + fine against the same
    16-bit value over the window's render frames instead."""
    out = []
    for k, v in enumerate(slots):
        if mins[k] <= v <= maxs[k]:
            continue
        if frames and k in FINE.get(u, ()):
            both = [f[k - 1] * 256 + f[k] for f in frames]
            if min(both) <= slots[k - 1] * 256 + v <= max(both):
                continue
            out.append(("%d-%d" % (k, k + 1), slots[k - 1] * 256 + v, min(both), max(both)))
            continue
        out.append((k + 1, v, mins[k], maxs[k]))
    return out


def read_stalls(log_path):
    """The engine's own reports of a stall (`[  4.027] error: engine overran:
    N period(s) skipped`): (time the control thread logged it, N)."""
    stalls = []
    if not log_path:
        return stalls
    pat = re.compile(r"^\[\s*([0-9.]+)\] error: engine overran: (\d+) period")
    with open(log_path, errors="replace") as f:
        for line in f:
            m = pat.match(line)
            if m:
                stalls.append((float(m.group(1)), int(m.group(2))))
    return stalls


def stall_slack(t, stalls, period_s):
    """How much older than t a packet's values may be because the machine
    stopped the engine and the engine said so: a frame around a reported
    stall of N periods may still carry what was computed before it."""
    slack = 0.0
    for when, n in stalls:
        if when - (n + 3) * period_s <= t <= when + 3 * period_s:
            slack = max(slack, (n + 2) * period_s)
    return slack


def check_values(streams, render_times, rendered, t0, window_s, stalls=(), period_s=1 / 44):
    """Timing jitter: the engine ticks on its own clock, the packet leaves
    after the tick and is stamped by the capture a little later, and t0 (the
    first packet on the wire) stands for the engine's first tick. So a packet
    stamped t (relative to t0) carries what the engine computed at about t,
    give or take a few ms. It must lie, slot by slot, within [min, max] of
    render at t - window and t + window (and every 5 ms render grid point in
    between, which only matters where a fade turns within the window).
    The low byte of a 16-bit pair is judged with its high byte as one
    16-bit value (see find_fine_slots). Every data packet is checked this
    way; plateau middles are also checked exactly (check_samples)."""
    n = len(render_times)
    total, bad, widened = 0, [], 0
    for (proto, u), pk in streams.items():
        for x in pk:
            t = x["t"] - t0
            slack = stall_slack(t, stalls, period_s)
            widened += slack > 0
            lo = max(0, int((t - window_s - slack) / GRID_S))  # round outward
            hi = min(n - 1, int(-(-(t + window_s) // GRID_S)))
            if lo >= n:
                continue
            mins, maxs = slot_range_cached(rendered, u, lo, hi)
            out = outside(x["slots"], mins, maxs, u, [f[u] for f in rendered[lo:hi + 1]])
            total += 1
            if out:
                bad.append((proto, u, t, x, out))
    print("  every data packet vs render at t-%d ms..t+%d ms: %d packets, %d outside"
          % (window_s * 1000, window_s * 1000, total, len(bad)))
    if stalls:
        print("  the engine reported stalls %s (s, periods): %d packets around them judged "
              "against render back to the stall's start" % (stalls, widened))
    for proto, u, t, x, out in bad[:5]:
        fail("%s universe %d frame %s at t=%.3f s: %d slot(s) outside render, e.g. "
             "(slot, got, min, max) %s" % (proto, u, x["frame"], t, len(out), out[:4]))
    return total


_cache = {}


def slot_range_cached(rendered, u, lo, hi):
    key = (u, lo, hi)
    if key not in _cache:
        _cache[key] = slot_range([f[u] for f in rendered], lo, hi)
    return _cache[key]


def held_packet(pk, t_abs):
    """The last packet at or before t_abs: what a receiver holds then."""
    last = None
    for x in pk:
        if x["t"] <= t_abs:
            last = x
        else:
            break
    return last


def fmt_slots(v, idx):
    return "[" + " ".join(str(v[k]) for k in idx) + "]"


def check_samples(streams, render_times, rendered, t0, t_last, window_s, plateaus, fades):
    """Named instants: plateau middles must match render exactly, mid-fade
    instants within the jitter window; both universes, both protocols."""
    samples = [("plateau", (a + b) / 2) for a, b in plateaus] + \
              [("fade", (a + b) / 2) for a, b in fades]
    samples = sorted(((kind, round(t / GRID_S) * GRID_S) for kind, t in samples
                      if t < t_last - 0.1), key=lambda s: s[1])
    print("  sample instants (s after the first tick): %s"
          % ", ".join("%.3f %s" % (t, k) for k, t in samples))
    check(any(k == "plateau" and any(any(rendered[int(round(t / GRID_S))][u]) for u in rendered[0])
              for k, t in samples),
          "no plateau with light on (a non-zero slot) inside the capture to sample")
    check(any(k == "fade" for k, _ in samples), "no fade inside the capture to sample")
    n = len(render_times)
    for kind, ts in samples:
        i = int(round(ts / GRID_S))
        for (proto, u), pk in sorted(streams.items()):
            x = held_packet(pk, t0 + ts)
            if x is None:
                fail("%s universe %d: no packet by t=%.3f" % (proto, u, ts))
                continue
            want = rendered[i][u]
            shown = [k for k, v in enumerate(want) if v][:6] or list(range(6))
            tp = x["t"] - t0
            if kind == "plateau":
                ok = x["slots"] == want
                detail = "exact"
                out = [(k + 1, x["slots"][k], want[k]) for k in range(512) if x["slots"][k] != want[k]]
            else:
                lo = max(0, int((tp - window_s) / GRID_S))
                hi = min(n - 1, int(-(-(tp + window_s) // GRID_S)))
                mins, maxs = slot_range_cached(rendered, u, lo, hi)
                out = outside(x["slots"], mins, maxs, u, [f[u] for f in rendered[lo:hi + 1]])
                ok = not out
                detail = "within render %s..%s" % (fmt_slots(mins, shown), fmt_slots(maxs, shown))
            print("    t=%.3f %-7s %-6s u%d: held packet from t=%.3f (frame %s) slots %s = %s, "
                  "render %s, %s: %s" % (ts, kind, proto, u, tp, x["frame"],
                                         ",".join(str(k + 1) for k in shown),
                                         fmt_slots(x["slots"], shown), fmt_slots(want, shown),
                                         detail, "ok" if ok else "MISMATCH"))
            if not ok:
                fail("%s universe %d at t=%.3f (%s): %d slot(s) differ, e.g. %s"
                     % (proto, u, ts, kind, len(out), out[:4]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pcap", required=True)
    ap.add_argument("--ghostlight", required=True)
    ap.add_argument("--show", required=True)
    ap.add_argument("--universes", default="1,2")
    ap.add_argument("--priority", type=int, default=100)
    ap.add_argument("--source-name")
    ap.add_argument("--port-addresses", help="u:pa,... (default: pa = u - 1)")
    ap.add_argument("--window-ms", type=float, default=30)
    ap.add_argument("--log", help="ghostlight's stderr: stalls it reported widen the window")
    ap.add_argument("--rate", type=float, default=44, help="the show's frame rate")
    ap.add_argument("--sacn-dest", default="127.0.0.1")
    ap.add_argument("--artnet-dest", default="127.0.0.1")
    a = ap.parse_args()
    universes = [int(x) for x in a.universes.split(",")]
    pas = {u: u - 1 for u in universes}
    if a.port_addresses:
        pas = {int(k): int(v) for k, v in (x.split(":") for x in a.port_addresses.split(","))}

    malformed = gltest.tshark_count(a.pcap, "_ws.malformed || _ws.expert.severity >= error")
    print("malformed or error-flagged packets (tshark -Y _ws.malformed): %d" % malformed)
    check(malformed == 0, "tshark flags %d packets as malformed/errored" % malformed)
    stop_if_failed("dissection")

    sacn = load_sacn(a.pcap, universes, a.priority, a.source_name, a.sacn_dest)
    artnet = load_artnet(a.pcap, pas, a.artnet_dest)

    # value checks use data packets only (not the stream-terminated ones)
    streams = {("sacn", u): [x for x in pk if not x["options"] & 0x40] for u, pk in sacn.items()}
    streams.update({("artnet", u): pk for u, pk in artnet.items()})
    t0 = min(pk[0]["t"] for pk in streams.values())
    t_last = max(pk[-1]["t"] for pk in streams.values()) - t0
    print("values (t=0 is the first data packet on the wire, the engine's first tick; "
          "capture spans %.3f s):" % t_last)
    render_times = gltest.grid(t_last + a.window_ms / 1000 + GRID_S, GRID_S)
    rendered = gltest.render(a.ghostlight, a.show, render_times)
    for u in universes:
        if u not in rendered[0]:
            fail("render has no universe %d" % u)
    stop_if_failed("render")
    FINE.update(find_fine_slots(rendered, universes))
    print("  16-bit pairs seen in render (high-low slot, judged as one value): %s"
          % {u: ["%d-%d" % (k, k + 1) for k in sorted(v)] for u, v in FINE.items()})
    plateaus, fades = gltest.segments(render_times, rendered, PLATEAU_MIN_S)
    print("  render plateaus %s, fades %s" % (
        ["%.2f-%.2f" % p for p in plateaus], ["%.2f-%.2f" % f for f in fades]))
    check_samples(streams, render_times, rendered, t0, t_last, a.window_ms / 1000, plateaus, fades)
    check_values(streams, render_times, rendered, t0, a.window_ms / 1000,
                 read_stalls(a.log), 1 / a.rate)
    stop_if_failed("values")
    print("PASS: wire checks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
