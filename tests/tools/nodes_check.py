#!/usr/bin/env python3
"""nodes_check.py - checks simulated wireless nodes (build/gl-node-sim)
against what the console sent (the nodes output's trace) and what the engine
computes (`ghostlight render`), and prints the figures.

    nodes_check.py check --ghostlight BIN --show SHOW --trace TRACE \\
        --settle S --timeout S --node ID,UNIVERSE,LOSS,FAILSAFE,LOG,STATS ...
    nodes_check.py forge --key-file KEY --universe U [--air-port P] [--seconds S]

check: for every node, every DMX frame while the link was up is made of the
engine's frames (each 24-slot fragment equals render at the time of some
superframe not newer than the frame's own); frames the node marks whole
equal render at their superframe's engine time exactly; the line runs at the
link's rate (>= 38 Hz, gaps within 0.2 ms of 25 ms); after `settle` seconds
of show time every frame equals the final look (convergence); after the
console stops, the node holds the look for `timeout` seconds and then shows
its failsafe (hold: the look; zero: zeros; off: the line stops). Prints a
table: frames, rate, whole frames, first converged frame, latency from the
console's hand-off of the engine frame to the node's BREAK (p50/p99), and
when each node's line last differed from the final look.

forge: a stranger on the air for a few seconds. It knows the link's radio
address (it is on the air in the clear: a sniffer learns it) but not the
key: beacons with a later epoch, data fragments full of 0xEE with far
future counters, and a CONFIG command moving node 1 to universe 999, each
MAC'd with a wrong key, on every channel in turn.
"""
import argparse
import hashlib
import os
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True    # never leave __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gltest  # noqa: E402

FRAGS, FRAG_SLOTS = 22, 24
PERIOD_NS = 25_000_000
ST_LIVE, ST_HOLD, ST_FAILSAFE = 2, 3, 4

failures = []


def fail(msg):
    failures.append(msg)
    print("  FAIL: " + msg)


def read_trace(path):
    """counter -> (t0_ns, tick, time_ns, got_ns, sent_ns)"""
    out = {}
    with open(path) as f:
        for line in f:
            p = line.split()
            if p and p[0] == "sf":
                out[int(p[1])] = tuple(int(x) for x in p[2:7])
    return out


def read_log(path):
    frames, stops = [], []
    with open(path) as f:
        for line in f:
            p = line.split()
            if p[0] == "F":
                at, brk, mab, counter, frags, fresh, state, n = (int(x) for x in p[1:9])
                data = bytes.fromhex(p[9])
                if len(data) != n:
                    fail("%s: a frame of %d bytes says %d" % (path, len(data), n))
                frames.append(dict(at=at, brk=brk, mab=mab, counter=counter, frags=frags,
                                   fresh=fresh, state=state, data=data))
            elif p[0] == "S":
                stops.append(int(p[1]))
    return frames, stops


def read_stats(path):
    with open(path) as f:
        return dict(line.strip().split("=", 1) for line in f if "=" in line)


def check(args):
    trace = read_trace(args.trace)
    if not trace:
        gltest.die("the trace is empty: the nodes output sent nothing")
    # Superframes sent before the engine's first frame reached the output
    # (a loaded machine) carry no data - the trace gives them tick 0 at
    # time 0 - and the nodes keep what they showed: no engine frame to
    # check them against.
    early = set(c for c in trace if trace[c][2] == 0)
    print("console: %d superframes before the engine's first frame (beacons only)" % len(early))
    for c in early:
        del trace[c]
    if not trace:
        gltest.die("the trace holds no superframe with an engine frame")
    counters = sorted(trace)
    first = counters[0]
    start_ns = trace[first][2] - trace[first][1] * PERIOD_NS   # the engine's tick 0
    elapsed = {c: (trace[c][2] - start_ns) / 1e9 for c in counters}
    last_sf_ns = trace[counters[-1]][0]
    times = sorted(set(round(t, 3) for t in elapsed.values()))
    rendered = dict(zip(times, gltest.render(args.ghostlight, args.show, times)))
    final = gltest.render(args.ghostlight, args.show, [max(times) + 10])[0]

    def look(c, universe):
        return rendered[round(elapsed[c], 3)][universe]

    # Superframes whose last packet left the console more than 10 ms after
    # the superframe began (its thread was held up on a loaded machine):
    # nodes take late packets at their air time, but not once their own
    # clock has moved past the superframe - a console matter, counted.
    late_sf = set(c for c in counters if trace[c][4] > trace[c][0] + 10_000_000)
    print("console: %d superframes, %d sent more than 10 ms late" % (len(counters), len(late_sf)))
    rows, latencies = [], []
    for spec in args.node:
        nid, universe, loss, mode, log, stats = spec.split(",")
        nid, universe, loss = int(nid), int(universe), float(loss)
        frames, stops = read_log(log)
        st = read_stats(stats)
        start, count = int(st["start"]), int(st["count"])
        name = "node %d (universe %d, %g%% loss)" % (nid, universe, loss)
        print("%s: %d frames, %s" % (name, len(frames),
              " ".join("%s=%s" % (k, st[k]) for k in ("data", "bad_mac", "stale", "copy_b_in_time",
                                                     "syncs", "lost", "late"))))
        # the link was up: frames whose superframe the console sent
        up = [f for f in frames if f["state"] == ST_LIVE and f["counter"] in trace and
              f["at"] * 1000 < last_sf_ns]
        if len(up) < 100:
            fail("%s: only %d live frames" % (name, len(up)))
            continue
        whole = on_time = on_time_whole = converged_at = 0
        bad = 0
        for f in up:
            c = f["counter"]
            want = look(c, universe)
            line = bytes(want[start - 1:start - 1 + count])
            if c not in late_sf:
                on_time += 1
                on_time_whole += f["fresh"] == f["frags"]
            if f["fresh"] == f["frags"]:
                whole += 1
                latencies.append((nid, loss, f["at"] * 1000 - trace[c][3]))
                if f["data"][1:] != line:
                    bad += 1
                    if bad <= 3:
                        fail("%s: frame of superframe %d (t=%.3f) is whole but not the engine's"
                             % (name, c, elapsed[c]))
                    continue
            # every fragment: the engine's, from this superframe or an older one
            for k in range((start - 1) // FRAG_SLOTS, (start + count - 2) // FRAG_SLOTS + 1):
                lo = max(k * FRAG_SLOTS + 1, start)
                hi = min(k * FRAG_SLOTS + FRAG_SLOTS, start + count - 1)
                got = f["data"][1 + lo - start:1 + hi - start + 1]
                if not any(c2 in trace and bytes(look(c2, universe)[lo - 1:hi]) == got
                           for c2 in range(c, max(first, c - 200) - 1, -1)):
                    bad += 1
                    if bad <= 3:
                        fail("%s: superframe %d: slots %d-%d are no frame of the engine"
                             % (name, c, lo, hi))
            # converged: from this frame on, every frame is the final look
            if f["data"][1:] != bytes(final[universe][start - 1:start - 1 + count]):
                converged_at = 0
            elif not converged_at:
                converged_at = elapsed[c]
        # convergence: from settle + 1 s on, every frame is the final look
        late = [f for f in up if elapsed[f["counter"]] >= args.settle + 1.0]
        wrong = sum(1 for f in late if f["data"][1:] != bytes(final[universe][start - 1:start - 1 + count]))
        if not late or wrong:
            fail("%s: %d of %d frames after %.1f s are not the final look"
                 % (name, wrong, len(late), args.settle + 1.0))
        # the line's rate and steadiness while the link was up, from half
        # a second after the node went live (its phase moves to the link's)
        steady = [f for f in frames if up[0]["at"] + 500_000 <= f["at"] <= up[-1]["at"]]
        span = (steady[-1]["at"] - steady[0]["at"]) / 1e6 if steady else 0
        rate = (len(steady) - 1) / span if span > 0 else 0
        gaps = [b["at"] - a["at"] for a, b in zip(steady, steady[1:])]
        if rate < 38:
            fail("%s: %.2f frames/s, want >= 38" % (name, rate))
        odd = [g for g in gaps if abs(g - 25000) > 200]
        if odd:
            fail("%s: %d gaps between frames off 25 ms by more than 0.2 ms (%s)"
                 % (name, len(odd), odd[:5]))
        if any(f["brk"] != 176 or f["mab"] != 16 for f in up):
            fail("%s: BREAK/MAB not 176/16 us" % name)
        # each simulated node is a process the machine may hold up for a
        # superframe or two; a link that loses more than that is broken
        if loss == 0 and on_time_whole < 0.95 * on_time:
            fail("%s: only %d of %d frames whole at 0%% loss (superframes sent on time)"
                 % (name, on_time_whole, on_time))
        # failsafe after the console stopped: hold, then the mode
        after = [f for f in frames if f["at"] * 1000 > last_sf_ns + 100_000_000]
        last_data_us = last_sf_ns / 1000 + 13_000
        hold_end = last_data_us + args.timeout * 1e6
        look_final = bytes(final[universe][start - 1:start - 1 + count])
        for f in after:
            if f["at"] < hold_end - 50_000:
                if f["state"] not in (ST_HOLD, ST_LIVE) or f["data"][1:] != look_final:
                    fail("%s: %.3f s after the console stopped: not holding the look (state %d)"
                         % (name, (f["at"] - last_data_us) / 1e6, f["state"]))
                    break
            elif f["at"] > hold_end + 50_000:
                want = look_final if mode == "hold" else bytes(count)
                if f["state"] != ST_FAILSAFE or f["data"][1:] != want or mode == "off":
                    fail("%s: %.3f s after the console stopped: not in failsafe %s (state %d)"
                         % (name, (f["at"] - last_data_us) / 1e6, mode, f["state"]))
                    break
        in_failsafe = [f for f in after if f["state"] == ST_FAILSAFE]
        if mode == "off":
            if not stops or stops[-1] < hold_end - 50_000 or frames[-1]["at"] > hold_end + 50_000:
                fail("%s: failsafe off: the line did not stop after the timeout" % name)
        elif not in_failsafe:
            fail("%s: never reached its failsafe after the console stopped" % name)
        lat = sorted(x / 1e6 for n2, _, x in latencies if n2 == nid)
        rows.append((nid, universe, loss, len(up), rate, 100.0 * whole / len(up),
                     converged_at, int(st["bad_mac"]), start,
                     "%.2f / %.2f" % (gltest.percentile(lat, 50), gltest.percentile(lat, 99))
                     if lat else "-"))
    for spec in args.forged or []:
        nid, minimum = (int(x) for x in spec.split(","))
        for r in rows:
            if r[0] == nid and r[7] < minimum:
                fail("node %d: %d forged packets refused, want >= %d" % (nid, r[7], minimum))

    print("\n| node | universe | start | loss % | live frames | frames/s | whole frames % "
          "| all final from s | latency p50 / p99 ms | forged refused |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| %d | %d | %d | %g | %d | %.2f | %.1f | %s | %s | %d |" % (
            r[0], r[1], r[8], r[2], r[3], r[4], r[5], "%.3f" % r[6] if r[6] else "-", r[9], r[7]))
    for loss in sorted(set(l for _, l, _ in latencies)):
        v = [x / 1e6 for _, l, x in latencies if l == loss]
        print("latency, engine frame handed to the output -> node BREAK, %g%% loss: "
              "p50 %.2f ms, p99 %.2f ms (%d whole frames)"
              % (loss, gltest.percentile(v, 50), gltest.percentile(v, 99), len(v)))
    if failures:
        print("FAIL: %d problem(s), first: %s" % (len(failures), failures[0]))
        sys.exit(1)
    print("PASS: every node's line carries the engine's frames")


def key_prf(key, what, link):
    return hashlib.blake2s(what + struct.pack("<HHH", link, 0, 0), key=key).digest()


def forge(args):
    with open(args.key_file) as f:
        key = bytes.fromhex(f.read().strip()[:64])
    addr = struct.unpack("<I", key_prf(key, b"adr", args.universe)[:4])[0]
    if addr & 0xff in (0x00, 0xff, 0x55, 0xaa):
        addr ^= 0x3c
    wrong = bytes(b ^ 0x5a for b in key)      # not the key
    epoch = int(time.time()) + 1000

    def seal(pkt):
        msg = struct.pack("<HI", args.universe, epoch) + pkt[:-4]
        return pkt[:-4] + hashlib.blake2s(msg, key=wrong).digest()[:4]

    beacon = bytes([0x01]) + (0xfffff0).to_bytes(3, "little") + struct.pack(
        "<IHBBBBHHIHB", epoch, 2500, 29, 0, 16, 0, 1, 0, 0, 0, 0) + bytes(7)
    packets = [seal(beacon)]
    for frag in range(FRAGS):
        n = FRAG_SLOTS if frag < FRAGS - 1 else 8
        packets.append(seal(bytes([0x20 | frag]) + (0xfffff0).to_bytes(3, "little") +
                            b"\xee" * n + bytes(4)))
    body = struct.pack("<HHHHBHHH", 0x01, 999, 1, 512, 0, 100, 176, 16) + bytes(6)
    packets.append(seal(bytes([0x41]) + (0xfffff0).to_bytes(3, "little") +
                        struct.pack("<HB", 1, 77) + body + bytes(4)))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    dest = ("127.255.255.255", args.air_port + 1 + args.universe % 1000)
    sent, end, channel = 0, time.monotonic() + args.seconds, 2
    while time.monotonic() < end:
        for p in packets:
            env = b"GN" + bytes([1, 0, channel, 0, len(p), 0]) + struct.pack("<IQ", addr, 0) + p
            s.sendto(env, dest)
            sent += 1
        channel = 2 + (channel - 1) % 80
        time.sleep(0.002)
    print("forged %d packets on universe %d" % (sent, args.universe))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check")
    c.add_argument("--ghostlight", required=True)
    c.add_argument("--show", required=True)
    c.add_argument("--trace", required=True)
    c.add_argument("--settle", type=float, required=True)
    c.add_argument("--timeout", type=float, required=True)
    c.add_argument("--node", action="append", required=True)
    c.add_argument("--forged", action="append", help="NODE,MIN: forged packets it must refuse")
    f = sub.add_parser("forge")
    f.add_argument("--key-file", required=True)
    f.add_argument("--universe", type=int, required=True)
    f.add_argument("--air-port", type=int, default=47000)
    f.add_argument("--seconds", type=float, default=2.0)
    args = ap.parse_args()
    check(args) if args.cmd == "check" else forge(args)


if __name__ == "__main__":
    main()
