"""rtsp_server.py - a real RTSP server for the RTSP integration tests and the
latency benchmark: GStreamer's gst-rtsp-server through python3-gi (Debian's
gir1.2-gst-rtsp-server-1.0), on loopback. Test code, not product code.

  rtsp_server.py --port 8554 --log FILE --state FILE [--auth digest|basic]
                 [--user U --password P] [--seconds 120]

Serves /clip (and /clip2): a test clip of --seconds seconds, a raw video
track (videotestsrc, 64x48 at 10 frames/s, rtpvrawpay) and an audio track
(audiotestsrc, L16 mono 8 kHz), so SETUP happens per track and PLAY, PAUSE
and TEARDOWN are aggregate. What the server sees is written down:

  --log    one JSON line per request it handled: time, method, URL, CSeq,
           Session, Range, Scale, Transport, the Authorization scheme (never
           its value), and the media's state and position after it
  --state  rewritten every 50 ms: {"time", "medias": [{"path", "state",
           "target", "position", "range", "clients"}], "sessions": N}
           where state is the pipeline's (PLAYING, PAUSED...), target what
           the server asked it to become, position its position in seconds
           (the media's own clock: what a viewer sees)

With --auth the server answers 401 until the client authenticates as
--user/--password (gst-rtsp-server's RTSPAuth: Digest with MD5, or Basic).
Ends on SIGTERM/SIGINT. Prints "listening on PORT" once it accepts.
"""
import argparse
import json
import os
import signal
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

H = GstRtsp.RTSPHeaderField
STATE_PERIOD_MS = 50


def launch_line(seconds):
    frames = int(seconds * 10)
    samples = 800                       # 0.1 s per audio buffer
    return ("( videotestsrc num-buffers=%d pattern=ball ! "
            "video/x-raw,format=RGB,width=64,height=48,framerate=10/1 ! "
            "rtpvrawpay name=pay0 pt=96 "
            "audiotestsrc num-buffers=%d samplesperbuffer=%d ! "
            "audio/x-raw,rate=8000,channels=1 ! audioconvert ! rtpL16pay name=pay1 pt=97 )"
            % (frames, frames, samples))


class Server:
    def __init__(self, args):
        self.args = args
        self.log = open(args.log, "a", buffering=1) if args.log else None
        self.medias = []                # [path, media]
        self.clients = 0
        self.server = GstRtspServer.RTSPServer()
        self.server.set_address("127.0.0.1")
        self.server.set_service(str(args.port))
        mounts = self.server.get_mount_points()
        for path in ("/clip", "/clip2"):
            f = GstRtspServer.RTSPMediaFactory()
            f.set_launch(launch_line(args.seconds))
            f.set_shared(False)
            f.connect("media-configure", self.on_media, path)
            if args.auth:
                perms = GstRtspServer.RTSPPermissions()
                perms.add_permission_for_role("user", "media.factory.access", True)
                perms.add_permission_for_role("user", "media.factory.construct", True)
                f.set_permissions(perms)
            mounts.add_factory(path, f)
        if args.auth:
            auth = GstRtspServer.RTSPAuth()
            token = GstRtspServer.RTSPToken()
            token.set_string("media.factory.role", "user")
            if args.auth == "digest":
                auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
                auth.add_digest(args.user, args.password, token)
            else:
                auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
                auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password),
                               token)
            self.server.set_auth(auth)
        self.server.connect("client-connected", self.on_client)

    # ---- what the server sees ------------------------------------------------

    def on_media(self, factory, media, path):
        self.medias.append([path, media])
        media.connect("unprepared", self.on_unprepared)

    def on_unprepared(self, media):
        self.medias = [m for m in self.medias if m[1] is not media]

    def on_client(self, server, client):
        self.clients += 1
        self.write({"event": "connected"})
        client.connect("closed", self.on_closed)
        for method in ("options", "describe", "setup", "play", "pause", "teardown",
                       "get-parameter", "set-parameter"):
            client.connect(method + "-request", self.on_request)

    def on_closed(self, client):
        self.clients -= 1
        self.write({"event": "closed"})

    def on_request(self, client, ctx):
        req = ctx.request
        res, method, uri, _ = req.parse_request()
        entry = {"method": GstRtsp.rtsp_method_as_text(method), "url": uri}
        for key, field in (("cseq", H.CSEQ), ("session", H.SESSION), ("range", H.RANGE),
                           ("scale", H.SCALE), ("transport", H.TRANSPORT)):
            ok, value = req.get_header(field, 0)
            if ok == GstRtsp.RTSPResult.OK:
                entry[key] = value
        ok, value = req.get_header(H.AUTHORIZATION, 0)
        if ok == GstRtsp.RTSPResult.OK:
            entry["authorization"] = value.split(" ", 1)[0]
        if ctx.media:
            entry.update(self.media_state(ctx.media))
        self.write(entry)

    def media_state(self, media):
        out = {"state": "?", "position": None}
        element = media.get_element()
        pipeline = element.get_parent() if element else None
        if pipeline:
            _, cur, pending = pipeline.get_state(0)
            out["state"] = Gst.Element.state_get_name(cur)
            if pending != Gst.State.VOID_PENDING:
                out["pending"] = Gst.Element.state_get_name(pending)
            ok, pos = pipeline.query_position(Gst.Format.TIME)
            if ok:
                out["position"] = round(pos / 1e9, 3)
        out["media_range"] = media.get_range_string(False, GstRtsp.RTSPRangeUnit.NPT)
        return out

    def write(self, entry):
        entry["time"] = round(time.time(), 4)
        if self.log:
            self.log.write(json.dumps(entry) + "\n")

    def dump_state(self):
        medias = []
        for path, media in self.medias:
            m = {"path": path}
            m.update(self.media_state(media))
            medias.append(m)
        state = {"time": round(time.time(), 4), "medias": medias, "clients": self.clients}
        if self.args.state:
            tmp = self.args.state + ".tmp"
            with open(tmp, "w") as f:
                json.dump(state, f)
            os.replace(tmp, self.args.state)
        return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8554)
    ap.add_argument("--log")
    ap.add_argument("--state")
    ap.add_argument("--auth", choices=("digest", "basic"))
    ap.add_argument("--user", default="video")
    ap.add_argument("--password", default="")
    ap.add_argument("--seconds", type=float, default=120.0)
    args = ap.parse_args()
    Gst.init(None)
    srv = Server(args)
    loop = GLib.MainLoop()
    if srv.server.attach(None) == 0:
        print("cannot listen on port %d" % args.port, file=sys.stderr)
        sys.exit(1)
    GLib.timeout_add(STATE_PERIOD_MS, srv.dump_state)
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, sig, loop.quit)
    print("listening on %d" % args.port, flush=True)
    loop.run()


if __name__ == "__main__":
    main()
