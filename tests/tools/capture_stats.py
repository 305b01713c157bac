#!/usr/bin/env python3
"""capture_stats.py - frame rate and timing of the DMX streams in a capture.

    capture_stats.py CAPTURE.pcapng [--json] [--protocol sacn|artnet|all]

Reads the capture through tshark (sACN through the ACN heuristic dissector,
Art-Net natively) and prints, per universe: data frames, frames per second,
the inter-frame gap p50/p99/max in ms and how often the sequence number
skipped (a lost or reordered packet), then totals. Only DMX data counts:
sACN stream-terminated packets, sACN sync and universe discovery, non-zero
start codes (0xDD priorities), and Art-Net packets other than ArtDmx
(ArtSync, ArtPoll...) are left out and counted separately.

Shared by bench/capture.sh and the integration tests; exits 1 when the
capture holds no DMX data at all.
"""
import argparse
import json
import os
import sys

sys.dont_write_bytecode = True    # never leave __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gltest  # noqa: E402

FIELDS = ["frame.time_epoch", "udp.dstport", "acn.dmx.universe", "acn.dmx.options",
          "acn.dmx.start_code2", "acn.dmx.seq_number", "artnet.header.opcode",
          "artnet.output.universe", "artnet.output.sequence"]


def collect(pcap, protocol):
    """Returns ({(proto, universe): [(time, seq)]}, excluded-counts)."""
    streams = {}
    excluded = {"sacn_terminated": 0, "sacn_sync_or_discovery": 0,
                "sacn_other_start_code": 0, "artnet_other_opcode": 0}
    filt = "udp.port == %d || udp.port == %d" % (gltest.SACN_PORT, gltest.ARTNET_PORT)
    for r in gltest.tshark_fields(pcap, FIELDS, filt):
        t = float(r["frame.time_epoch"])
        port = gltest.num(r["udp.dstport"])
        if port == gltest.SACN_PORT:
            if protocol == "artnet":
                continue
            uni = gltest.num(r["acn.dmx.universe"])
            if uni is None:       # root vector 8: sync or discovery
                excluded["sacn_sync_or_discovery"] += 1
                continue
            if (gltest.num(r["acn.dmx.options"]) or 0) & gltest.SACN_OPT_TERMINATED:
                excluded["sacn_terminated"] += 1
                continue
            if gltest.num(r["acn.dmx.start_code2"]) != 0:
                excluded["sacn_other_start_code"] += 1
                continue
            streams.setdefault(("sacn", uni), []).append(
                (t, gltest.num(r["acn.dmx.seq_number"])))
        elif port == gltest.ARTNET_PORT:
            if protocol == "sacn":
                continue
            if gltest.num(r["artnet.header.opcode"]) != 0x5000:
                excluded["artnet_other_opcode"] += 1
                continue
            uni = gltest.num(r["artnet.output.universe"])
            streams.setdefault(("artnet", uni), []).append(
                (t, gltest.num(r["artnet.output.sequence"])))
    return streams, excluded


def seq_skips(proto, seqs):
    """Count of packets whose sequence is not the one after the previous
    (sACN: +1 mod 256; Art-Net: 1..255 wrapping, 0 = sequencing off)."""
    skips = 0
    for a, b in zip(seqs, seqs[1:]):
        if a is None or b is None:
            continue
        if proto == "sacn":
            want = (a + 1) % 256
        elif a == 0 and b == 0:
            continue
        else:
            want = a % 255 + 1
        if b != want:
            skips += 1
    return skips


def stats(streams):
    rows = []
    for (proto, uni), pkts in sorted(streams.items()):
        times = [p[0] for p in pkts]
        gaps_ms = [(b - a) * 1000.0 for a, b in zip(times, times[1:])]
        span = times[-1] - times[0]
        row = {"protocol": proto, "universe": uni, "frames": len(times),
               "fps": (len(times) - 1) / span if span > 0 else 0.0,
               "seq_skips": seq_skips(proto, [p[1] for p in pkts])}
        if gaps_ms:
            row["gap_ms"] = {"p50": gltest.percentile(gaps_ms, 50),
                             "p99": gltest.percentile(gaps_ms, 99),
                             "max": max(gaps_ms)}
        else:
            row["gap_ms"] = {"p50": 0.0, "p99": 0.0, "max": 0.0}
        rows.append(row)
    return rows


def totals(streams, rows, excluded):
    all_t = [p[0] for pkts in streams.values() for p in pkts]
    span = max(all_t) - min(all_t) if all_t else 0.0
    fps = [r["fps"] for r in rows]
    return {"universes": len(rows), "frames": len(all_t), "seconds": span,
            "packets_per_s": len(all_t) / span if span > 0 else 0.0,
            "fps_median": gltest.median(fps) if fps else 0.0,
            "fps_min": min(fps) if fps else 0.0,
            "gap_p50_ms_median": gltest.median([r["gap_ms"]["p50"] for r in rows]) if rows else 0.0,
            "gap_p99_ms_max": max(r["gap_ms"]["p99"] for r in rows) if rows else 0.0,
            "gap_max_ms": max(r["gap_ms"]["max"] for r in rows) if rows else 0.0,
            "seq_skips": sum(r["seq_skips"] for r in rows),
            "excluded": excluded}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("capture")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--protocol", choices=["sacn", "artnet", "all"], default="all")
    a = ap.parse_args()
    if not os.path.exists(a.capture):
        gltest.die("no such capture: " + a.capture)
    streams, excluded = collect(a.capture, a.protocol)
    rows = stats(streams)
    tot = totals(streams, rows, excluded)
    if a.json:
        json.dump({"universes": rows, "totals": tot}, sys.stdout, indent=1)
        print()
    else:
        print("%-7s %8s %7s %8s %8s %8s %8s %6s" % ("proto", "universe", "frames", "fps",
                                                   "gap p50", "gap p99", "gap max", "skips"))
        for r in rows:
            g = r["gap_ms"]
            print("%-7s %8d %7d %8.2f %8.2f %8.2f %8.2f %6d" % (
                r["protocol"], r["universe"], r["frames"], r["fps"],
                g["p50"], g["p99"], g["max"], r["seq_skips"]))
        print("total: %d universes, %d frames in %.2f s (%.0f packets/s), fps median %.2f "
              "min %.2f, gap p50 median %.2f ms, p99 max %.2f ms, max %.2f ms, %d sequence skips"
              % (tot["universes"], tot["frames"], tot["seconds"], tot["packets_per_s"],
                 tot["fps_median"], tot["fps_min"], tot["gap_p50_ms_median"],
                 tot["gap_p99_ms_max"], tot["gap_max_ms"], tot["seq_skips"]))
        print("excluded: " + ", ".join("%s %d" % kv for kv in sorted(excluded.items())))
    if not rows:
        print("capture_stats: no DMX data frames in " + a.capture, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
