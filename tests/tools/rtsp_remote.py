"""rtsp_remote.py - the RTSP video integration tests (tests/integration/
rtsp_*.sh, each in its own network namespace) and the latency benchmark
(bench/rtsp_latency.sh). The peer is real: GStreamer's gst-rtsp-server on
127.0.0.1:8554 (tests/tools/rtsp_server.py through python3-gi), whose own
view of each session - the requests it handled, its pipeline's state and
position - is what the checks read. Cues are fired over OSC
(/gl/cue/Video/N/go); sACN comes back to 127.0.0.1:5568; frame gaps come
from a dumpcap capture (capture_stats, as the MQTT outage test does).

  rtsp_remote.py cues|digest|outage GHOSTLIGHT SHOW WORKDIR
  rtsp_remote.py bench GHOSTLIGHT SHOW WORKDIR [--gos 200]

No assertion on a duration a busy machine could miss: waits have generous
deadlines; positions are checked against the clip's own clock with the
time that passed measured in the same run; the frame check is "frames
never stop for a second" during the outages.
"""
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True    # never leave __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gltest  # noqa: E402
import mqtt_remote  # noqa: E402
from mqtt_remote import Capture, check_outage, start_listening, window  # noqa: E402
from osc_remote import die, osc_message, osc_parse, read, run_main, udp_send, wait_text  # noqa: E402

PORT = 8554
WAIT_S = 15.0
SECRET = "Vid30-s3cret"          # never in ghostlight's output
WRONG = "Wr0ng-pw"
HERE = os.path.dirname(os.path.abspath(__file__))


def log(msg):
    print(msg, flush=True)


# ---- the server ---------------------------------------------------------------------------

class Server(mqtt_remote.Peer):
    """rtsp_server.py, with its request log and state file in WORKDIR."""

    def __init__(self, work, extra=(), name="server"):
        self.work, self.extra, self.name = work, list(extra), name
        self.log = os.path.join(work, name + ".jsonl")
        self.state_path = os.path.join(work, name + ".state.json")

    def start(self):
        if os.path.exists(self.state_path):
            os.remove(self.state_path)    # a new process: nothing of the last one's
        self.proc = start_listening(
            ["/usr/bin/python3", os.path.join(HERE, "rtsp_server.py"), "--port", str(PORT),
             "--log", self.log, "--state", self.state_path] + self.extra,
            os.path.join(self.work, self.name + ".log"), PORT, "rtsp_server.py")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)     # stopped by the outage test
        super().stop()

    def requests(self, method=None):
        if not os.path.exists(self.log):
            return []
        out = []
        for line in read(self.log).splitlines():
            try:
                e = json.loads(line)
            except ValueError:
                continue          # a line being written
            if "method" in e and (method is None or e["method"] == method):
                out.append(e)
        return out

    def media(self, path, after=None):
        """The newest media the server has for path (its state and
        position), or None. With after (a request's "time"), a state the
        server wrote before then counts as none: it dumps its state every
        STATE_PERIOD_MS, so a file read at once may predate the request."""
        try:
            with open(self.state_path) as f:
                state = json.load(f)
        except (OSError, ValueError):
            return None
        if after is not None and state.get("time", 0) <= after:
            return None
        medias = [m for m in state["medias"] if m["path"] == path]
        return medias[-1] if medias else None

    def wait_media(self, path, what, pred, timeout=WAIT_S, after=None):
        deadline = time.monotonic() + timeout
        m = None
        while time.monotonic() < deadline:
            m = self.media(path, after)
            if m and pred(m):
                return m
            time.sleep(0.05)
        die("the server never had %s %s; last: %s" % (path, what, m))

    def wait_requests(self, method, count, timeout=WAIT_S):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.requests(method)
            if len(got) >= count:
                return got
            time.sleep(0.05)
        die("the server got %d %s requests, not %d" % (len(self.requests(method)), method,
                                                        count))


class Session(mqtt_remote.Session):
    """mqtt_remote's session - the sACN reader, ghostlight's processes and
    the captures, all stopped at the with block's end - around the RTSP
    server in the broker's place (the broker object it makes is never
    started)."""

    def __init__(self, work, server_extra=()):
        super().__init__(work)
        self.server = self.broker = Server(work, server_extra)


def start_gl(procs, gl, show, name="gl.log", ready=("wall",)):
    """`ghostlight play` of show, its output in WORKDIR/name, once each video
    target in ready has said it is set up: the process and its log's path."""
    glp = procs.start(name, [gl, "play", show, "--no-status"])
    gl_log = os.path.join(procs.work, name)
    for target in ready:
        wait_text(gl_log, "rtsp: %s: ready" % target, WAIT_S)
    return glp, gl_log


def stop_gl(p, work, name="gl.log"):
    """Ends ghostlight (as the MQTT tests do); returns its log, which must
    hold no password."""
    text = mqtt_remote.stop_gl(p, work, name)
    for secret in (SECRET, WRONG):
        if secret in text:
            die("ghostlight printed a password")
    return text


def wait_count(path, text, count, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while read(path).count(text) < count:
        if time.monotonic() > deadline:
            die("%s never had %r %d times:\n%s" % (os.path.basename(path), text, count,
                                                     read(path)[-2000:]))
        time.sleep(0.05)


def wait_any(path, texts, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while not any(t in read(path) for t in texts):
        if time.monotonic() > deadline:
            die("%s never had any of %s:\n%s" % (os.path.basename(path), texts,
                                                   read(path)[-2000:]))
        time.sleep(0.05)


def go(cue):
    udp_send(osc_message("/gl/cue/Video/%d/go" % cue))


def derived_show(show, work, name, replacement):
    """The show with its video_target "wall" line replaced."""
    text = read(show)
    text, n = re.subn(r'^video_target \{ "wall",.*$', replacement, text, flags=re.M)
    if n != 1:
        die("no video_target \"wall\" line in %s" % show)
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


class Feedback:
    """An OSC subscriber: what ghostlight sends to /gl/out/video/..."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.seen = []

    def subscribe(self):
        self.sock.sendto(osc_message("/gl/subscribe"), ("127.0.0.1", 7700))

    def wait(self, address, pred, timeout=WAIT_S):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                break
            try:
                a, args = osc_parse(data)
            except (ValueError, IndexError, UnicodeDecodeError):
                continue
            if a == address:
                self.seen.append(args)
                if pred(args):
                    return args
        die("OSC feedback never had %s as expected (got %s)" % (address, self.seen[-3:]))


# ---- the scenarios ------------------------------------------------------------------------------

def scenario_cues(gl, show, work):
    with Session(work) as ses:
        srv, sacn = ses.server, ses.sacn
        # preloaded: both sessions set up before any GO
        glp, gl_log = start_gl(ses.procs, gl, show, ready=("wall", "side"))
        setups = srv.requests("SETUP")
        if len(setups) != 4 or srv.requests("PLAY"):
            die("before the first GO the server should have 4 SETUPs and no PLAY: %s" % setups)
        tcp = [s for s in setups if "/clip/" in s["url"]]
        udp = [s for s in setups if "/clip2/" in s["url"]]
        if not all("RTP/AVP/TCP;unicast;interleaved=" in s["transport"] for s in tcp) or \
           not all("client_port=" in s["transport"] for s in udp):
            die("transports: %s" % [s["transport"] for s in setups])
        log("preloaded: OPTIONS, DESCRIBE, 2 SETUPs per target before any GO (wall TCP "
            "interleaved, side UDP)")
        fb = Feedback()
        fb.subscribe()

        # cue 1: wall plays from 5 s, side from the start
        t_play = time.monotonic()
        go(1)
        sacn.wait("cue 1", lambda s: s[0] == 51)
        m = srv.wait_media("/clip", "playing from 5 s",
                           lambda m: m["state"] == "PLAYING" and (m["position"] or 0) >= 5.0)
        elapsed = time.monotonic() - t_play
        if m["position"] > 5.0 + elapsed + 0.5:
            die("wall is at %.3f s, %.2f s after a play from 5 s" % (m["position"], elapsed))
        play = srv.requests("PLAY")[0]
        if play.get("range") != "npt=5.000-":
            die("the first PLAY asked for %s, not npt=5.000-" % play.get("range"))
        srv.wait_media("/clip2", "playing over UDP", lambda m: m["state"] == "PLAYING")
        fb.wait("/gl/out/video/wall/state", lambda a: a == ["playing"])
        log("cue 1: the server plays /clip from 5 s (at %.3f s %.2f s later) and /clip2; OSC "
            "feedback says playing" % (m["position"], elapsed))

        # cue 2: seek to 60 s
        t_seek = time.monotonic()
        go(2)
        sacn.wait("cue 2", lambda s: s[0] == 102)
        m = srv.wait_media("/clip", "at 60 s", lambda m: m["state"] == "PLAYING" and
                           60.0 <= (m["position"] or 0) <= 60.0 + time.monotonic() - t_seek + 0.5)
        log("cue 2: seek, the server's /clip at %.3f s" % m["position"])

        # cue 3: pause - the position holds
        go(3)
        sacn.wait("cue 3", lambda s: s[0] == 153)
        m = srv.wait_media("/clip", "paused", lambda m: m["state"] == "PAUSED")
        held = m["position"]
        time.sleep(1.0)
        m = srv.media("/clip")
        if m["state"] != "PAUSED" or abs(m["position"] - held) > 0.05:
            die("paused /clip moved: %.3f s then %s" % (held, m))
        fb.wait("/gl/out/video/wall/state", lambda a: a == ["paused"])
        log("cue 3: paused at %.3f s, still there a second later" % held)

        # cue 4: resume from there
        t_resume = time.monotonic()
        go(4)
        sacn.wait("cue 4", lambda s: s[0] == 204)
        m = srv.wait_media("/clip", "playing on from the pause", lambda m: m["state"] == "PLAYING"
                           and held <= m["position"] <= held + time.monotonic() - t_resume + 0.5)
        if srv.requests("PLAY")[-1].get("range"):
            die("resume sent a Range: %s" % srv.requests("PLAY")[-1])
        log("cue 4: resumed, the server's /clip at %.3f s" % m["position"])

        # Lua: rtsp.seek("side", 30) from an OSC handler
        udp_send(osc_message("/test/seek", 30.0))
        m = srv.wait_media("/clip2", "at 30 s", lambda m: (m["position"] or 0) >= 30.0)
        log("Lua rtsp.seek(\"side\", 30): the server's /clip2 at %.3f s" % m["position"])

        # cue 5: stop both; wall (preloaded) is set up again at once
        go(5)
        sacn.wait("cue 5", lambda s: s[0] == 255)
        srv.wait_requests("TEARDOWN", 2)
        setups = srv.wait_requests("SETUP", 6)
        wait_text(gl_log, "rtsp: side: ready", WAIT_S)
        wait_count(gl_log, "rtsp: wall: ready", 2)
        newest = max(e["time"] for e in setups if "/clip/" in e["url"])
        m = srv.wait_media("/clip", "set up again after the stop", lambda m: True, after=newest)
        if m["state"] == "PLAYING":
            die("after the stop /clip should be a fresh, unplayed session: %s" % m)
        log("cue 5: TEARDOWN for both; both set up again (ready), nothing playing")
        text = stop_gl(glp, work)
        if "error" in "".join(l for l in text.splitlines() if "rtsp:" in l):
            die("rtsp errors in a clean run:\n%s" % text[-2000:])
        for line in text.splitlines():
            if "requests," in line and "rtsp:" in line:
                log("ghostlight: " + line.split("log: ", 1)[-1])
    log("PASS: rtsp cues")


def scenario_digest(gl, show, work):
    with Session(work, ["--auth", "digest", "--user", "video", "--password", SECRET]) as ses:
        srv, sacn = ses.server, ses.sacn
        good = derived_show(show, work, "digest.lua", 'video_target { "wall", url = '
                            '"rtsp://127.0.0.1:8554/clip", user = "video", password = "%s" }'
                            % SECRET)
        glp, gl_log = start_gl(ses.procs, gl, good)
        go(1)
        sacn.wait("cue 1", lambda s: s[0] == 51)
        srv.wait_media("/clip", "playing", lambda m: m["state"] == "PLAYING")
        reqs = [r for r in srv.requests() if "/clip/" in r["url"] or r["url"].endswith("/clip")]
        auth = [r.get("authorization") for r in reqs if r["method"] in ("SETUP", "PLAY")]
        if not auth or any(a != "Digest" for a in auth):
            die("SETUP and PLAY should carry Digest authorization: %s" % auth)
        stop_gl(glp, work)
        log("Digest (gst-rtsp-server RTSPAuth): 401, then every request answered with "
            "Digest; PLAY reached the server")

        # a wrong password: refused, said so, retried slowly, never printed
        srv.kill()
        srv.start()
        bad = derived_show(show, work, "wrong.lua", 'video_target { "wall", url = '
                           '"rtsp://127.0.0.1:8554/clip", user = "video", password = "%s" }'
                           % WRONG)
        glp, _ = start_gl(ses.procs, gl, bad, name="gl-wrong.log", ready=())
        wrong_log = os.path.join(work, "gl-wrong.log")
        wait_text(wrong_log, "refused user \"video\"", WAIT_S)
        go(1)
        sacn.wait("cue 1 with the video refused", lambda s: s[0] == 51)
        time.sleep(0.5)
        if srv.media("/clip") and srv.media("/clip")["state"] == "PLAYING":
            die("the server plays for a wrong password")
        stop_gl(glp, work, name="gl-wrong.log")
        log("a wrong password: \"refused user\" reported, the lights went on, the password "
            "never printed")
    log("PASS: rtsp digest")


def scenario_outage(gl, show, work):
    with Session(work) as ses:
        srv, sacn = ses.server, ses.sacn
        glp, gl_log = start_gl(ses.procs, gl, show)
        cap = ses.capture()
        go(1)                                   # wall plays from 5 s
        srv.wait_media("/clip", "playing", lambda m: m["state"] == "PLAYING")
        time.sleep(1.0)

        # the server stops answering (SIGSTOP) while a cue pauses the wall
        t0 = time.time()
        srv.proc.send_signal(signal.SIGSTOP)
        go(3)
        sacn.wait("cue 3 while the server is frozen", lambda s: s[0] == 153)
        wait_text(gl_log, "no answer to PAUSE within 2.0 s", WAIT_S)
        time.sleep(1.0)                          # a reconnect finds no answer either
        srv.proc.send_signal(signal.SIGCONT)
        wait_count(gl_log, "rtsp: wall: paused at", 1, WAIT_S + 10)
        m = srv.wait_media("/clip", "paused again after the freeze",
                           lambda m: m["state"] == "PAUSED")
        log("server frozen: \"no answer to PAUSE within 2.0 s\" reported, set up again, "
            "paused at %.3f s" % m["position"])
        go(4)                                    # resume
        srv.wait_media("/clip", "playing", lambda m: m["state"] == "PLAYING")
        time.sleep(0.5)

        # the server killed (kill -9) and started again a few seconds later
        t_kill = time.time()
        m = srv.media("/clip")
        pos_before, mono_before = m["position"], time.monotonic()
        srv.kill()
        wait_any(gl_log, ["the server closed the connection", "receive: Connection reset"])
        time.sleep(3.0)                          # several attempts fail meanwhile
        srv.start()
        m = srv.wait_media("/clip", "playing again", lambda m: m["state"] == "PLAYING",
                           timeout=WAIT_S + 10)
        t_back = time.time()
        # where the show expects the clip: it went on playing meanwhile
        expected = pos_before + (time.monotonic() - mono_before)
        if abs(m["position"] - expected) > 2.0:
            die("after the restart /clip is at %.3f s, the show expected about %.3f s"
                % (m["position"], expected))
        go(5)
        sacn.wait("cue 5 after the restart", lambda s: s[0] == 255)
        time.sleep(0.5)
        cap.stop()
        n, fps, gap = window(cap.frames(), t0, t_back)
        text = read(gl_log)
        retries = text.count("cannot connect to 127.0.0.1:%d" % PORT)
        log("server killed for %.1f s: %d failed reconnects, set up again and playing at "
            "%.3f s (the show expected %.3f s)" % (t_back - t_kill, retries, m["position"],
                                                    expected))
        log("DMX through both outages (%.1f s): %d frames, %.1f fps, longest gap %.1f ms"
            % (t_back - t0, n, fps, gap))
        check_outage(gap, retries, "the RTSP outages", "the server")
        stop_gl(glp, work)
    log("PASS: rtsp outage")


# ---- the benchmark ------------------------------------------------------------------------------

def bench_run(gl, show, work, gos, preload):
    """GOs alternate cue 1 (play) and cue 5 (stop); a capture of OSC and
    RTSP on lo gives, for every play GO, the time from its OSC packet to
    the server's reply to the PLAY it caused."""
    name = "preload" if preload else "nopreload"
    variant = derived_show(show, work, name + ".lua", 'video_target { "wall", url = '
                           '"rtsp://127.0.0.1:8554/clip", preload = %s }'
                           % ("true" if preload else "false"))
    with Session(work) as ses:
        pcap = os.path.join(work, name + ".pcapng")
        glp, gl_log = start_gl(ses.procs, gl, variant, name=name + ".log",
                               ready=("side", "wall") if preload else ("side",))
        dump = subprocess.Popen(["dumpcap", "-n", "-q", "-i", "lo", "-B", "64", "-f",
                                 "udp port 7700 or tcp port %d" % PORT, "-w", pcap],
                                stdout=subprocess.DEVNULL,
                                stderr=open(os.path.join(work, "dumpcap.log"), "w"))
        time.sleep(1.0)
        for i in range(gos):
            cue = 1 if i % 2 == 0 else 5
            go(cue)
            if cue == 1:
                ses.sacn.wait("cue 1", lambda s: s[0] == 51)
            else:
                ses.sacn.wait("cue 5", lambda s: s[0] == 255)
            # the stop's new session (preload) is ready well before the next GO
            time.sleep(0.15 + (i % 7) * 0.011)
        time.sleep(0.5)
        dump.send_signal(signal.SIGINT)
        dump.wait(timeout=WAIT_S)
        stop_gl(glp, work, name=name + ".log")
    return latencies(pcap)


def latencies(pcap):
    """For each play GO: (GO -> the PLAY request, GO -> the reply to it)
    in ms, from the capture's own clock."""
    rows = gltest.tshark_fields(pcap, ["frame.time_epoch", "udp.dstport", "tcp.srcport",
                                       "tcp.dstport", "udp.payload", "tcp.payload"])
    gos, plays, replies, lat = [], {}, {}, []
    for r in rows:
        t = float(r["frame.time_epoch"])
        if r["udp.dstport"] == "7700":
            if b"/gl/cue/Video/1/go" in bytes.fromhex(r["udp.payload"].replace(":", "")):
                gos.append(t)
            continue
        data = bytes.fromhex(r["tcp.payload"].replace(":", "")) if r["tcp.payload"] else b""
        # the wall's PLAY only (cue 1 also plays "side", which is always preloaded)
        if r["tcp.dstport"] == str(PORT) and data.startswith(b"PLAY rtsp://127.0.0.1:%d/clip/ "
                                                              % PORT):
            m = re.search(rb"CSeq: (\d+)", data)
            if m:
                plays[(r["tcp.srcport"], int(m.group(1)))] = t
        elif r["tcp.srcport"] == str(PORT):
            for m in re.finditer(rb"RTSP/1.0 (\d+)[^\r]*\r\nCSeq: (\d+)", data):
                replies.setdefault((r["tcp.dstport"], int(m.group(2))), t)
    pairs = sorted((t, replies[key]) for key, t in plays.items() if key in replies)
    for g in gos:
        after = [p for p in pairs if p[0] > g]
        if after:
            lat.append(((after[0][0] - g) * 1000.0, (after[0][1] - g) * 1000.0))
    return lat


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(math.ceil(p / 100.0 * len(v))) - 1)]


def bench(gl, show, work, gos):
    rows = []
    for preload in (True, False):
        lat = bench_run(gl, show, work, gos, preload)
        if len(lat) < gos // 2 * 0.9:
            die("only %d of %d plays measured" % (len(lat), gos // 2))
        rows.append((preload, lat))
    print("GO (OSC /gl/cue/Video/1/go) -> the server's reply to PLAY, loopback, "
          "gst-rtsp-server, %d plays each (ms; \"PLAY sent\": GO -> our PLAY on the wire):"
          % (gos // 2))
    print("| video target | GO -> reply p50 | p99 | min | max | GO -> PLAY sent p50 | p99 |")
    print("|---|---|---|---|---|---|---|")
    for preload, lat in rows:
        reply = [r for _, r in lat]
        sent = [s for s, _ in lat]
        print("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |" % (
            "preload = true (set up before the GO)" if preload else
            "preload = false (connect, OPTIONS, DESCRIBE, 2 SETUPs after the GO)",
            pct(reply, 50), pct(reply, 99), min(reply), max(reply), pct(sent, 50),
            pct(sent, 99)))


SCENARIOS = {"cues": scenario_cues, "digest": scenario_digest, "outage": scenario_outage}


if __name__ == "__main__":
    run_main(__doc__, dict(SCENARIOS, bench=bench))
