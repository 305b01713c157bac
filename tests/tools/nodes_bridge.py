#!/usr/bin/env python3
"""nodes_bridge.py - joins the simulated air (UDP broadcast on loopback, see
outputs/dmx/nodelink/PROTOCOL.md) and a QEMU node's LAN9118 (`-nic socket`:
every UDP datagram is one Ethernet frame). Air packets of one universe go to
QEMU at their on-air time, one per Ethernet frame (broadcast, EtherType
0x88b5); what the node sends (its reports) goes back into the air.

    nodes_bridge.py --universe U --to-qemu PORT --from-qemu PORT
                    [--air-port 47000] [--seconds S]

QEMU: -nic socket,model=lan9118,udp=127.0.0.1:FROM_QEMU,localaddr=127.0.0.1:TO_QEMU
"""
import argparse
import heapq
import select
import socket
import struct
import time

ETHERTYPE = 0x88b5
SRC_MAC = bytes([0x02, 0, 0, 0, 0, 0xfe])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--universe", type=int, required=True)
    ap.add_argument("--to-qemu", type=int, required=True)
    ap.add_argument("--from-qemu", type=int, required=True)
    ap.add_argument("--air-port", type=int, default=47000)
    ap.add_argument("--seconds", type=float, default=3600)
    args = ap.parse_args()

    air = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    air.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    air.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    air.bind(("0.0.0.0", args.air_port + 1 + args.universe % 1000))
    qemu = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    qemu.bind(("127.0.0.1", args.from_qemu))
    to_qemu = ("127.0.0.1", args.to_qemu)
    reports = ("127.255.255.255", args.air_port)

    pending = []          # (on-air time ns, seq, frame)
    seq = forwarded = returned = 0
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        now = time.monotonic_ns()
        while pending and pending[0][0] <= now:
            qemu.sendto(heapq.heappop(pending)[2], to_qemu)
            forwarded += 1
        timeout = 0.05 if not pending else max(0.0, (pending[0][0] - now) / 1e9)
        ready, _, _ = select.select([air, qemu], [], [], timeout)
        if air in ready:
            env = air.recv(256)
            if len(env) > 20 and env[:2] == b"GN" and not env[3] & 1:
                at = struct.unpack_from("<Q", env, 12)[0]
                frame = b"\xff" * 6 + SRC_MAC + struct.pack(">H", ETHERTYPE) + env
                heapq.heappush(pending, (at, seq, frame))
                seq += 1
        if qemu in ready:
            frame = qemu.recv(2048)
            if len(frame) > 14 and struct.unpack_from(">H", frame, 12)[0] == ETHERTYPE:
                qemu_env = frame[14:]
                air.sendto(qemu_env, reports)
                returned += 1
    print("bridge: %d packets to the node, %d from it" % (forwarded, returned))


if __name__ == "__main__":
    main()
