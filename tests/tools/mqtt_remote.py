"""mqtt_remote.py - the MQTT integration tests (tests/integration/mqtt_*.sh,
each in its own network namespace) and the latency benchmark
(bench/mqtt_latency.sh). The peers are real: a mosquitto broker on
loopback started here, mosquitto_pub / mosquitto_sub / mosquitto_passwd as
the other clients, openssl for the certificates. DMX comes back as sACN on
127.0.0.1:5568 (osc_remote.Sacn reads slot values); frame gaps come from a
dumpcap capture read through tshark (capture_stats.collect).

  mqtt_remote.py plain|auth|tls|outage|bad GHOSTLIGHT SHOW WORKDIR
  mqtt_remote.py bench GHOSTLIGHT SHOW WORKDIR [--gos 200]

Plain Python 3 standard library. No assertion on a duration a busy machine
could miss: waits have generous deadlines; the frame checks are "frames
never stop for a second" and "the rate under a flood stays within half of
the rate just before it", both measured in the same run.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True    # never leave __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import capture_stats  # noqa: E402
from osc_remote import Procs, Sacn, die, read, run_main, time_gos, wait_text  # noqa: E402

PORT = 18830
TLS_PORT = 18831
BASE = "gltest"
WAIT_S = 10.0
SECRET = "s3cretPw7"           # never in ghostlight's output
WRONG = "Wr0ngPw7"


def log(msg):
    print(msg, flush=True)


# ---- the broker --------------------------------------------------------------------------

def start_listening(argv, log_path, port, what):
    """A peer process (argv, its output appended to log_path), returned once
    it takes TCP connections on 127.0.0.1:port; the test fails when it exits
    or does not listen within WAIT_S."""
    out = open(log_path, "a")
    proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            die("%s exited at start:\n%s" % (what, read(log_path)[-1500:]))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    die("%s did not listen on port %d" % (what, port))


class Peer:
    """What the broker and the RTSP server (rtsp_remote.py) have in common:
    their process, self.proc once started (start_listening), killed at
    once or stopped in order."""

    proc = None

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class Broker(Peer):
    """A private mosquitto: runs as root (its files are in a root-only
    temporary folder), no persistence, logs to WORKDIR/<name>.log."""

    def __init__(self, work, port=PORT, extra="allow_anonymous true\n", name="broker"):
        self.work, self.port, self.name = work, port, name
        self.conf = os.path.join(work, name + ".conf")
        with open(self.conf, "w") as f:
            f.write("user root\npersistence false\nlog_dest stdout\n"
                    "log_type error\nlog_type warning\nlog_type notice\n"
                    "listener %d\n%s" % (port, extra))

    def start(self):
        self.proc = start_listening(["mosquitto", "-c", self.conf],
                                    os.path.join(self.work, self.name + ".log"), self.port,
                                    "mosquitto")


class Client:
    """mosquitto_pub and mosquitto_sub with one set of connection options."""

    def __init__(self, work, port=PORT, extra=()):
        self.work = work
        self.args = ["-h", "127.0.0.1", "-p", str(port)] + list(extra)
        self.subs = []

    def pub(self, topic, payload=None, retain=False, qos=1, file=None):
        argv = ["mosquitto_pub"] + self.args + ["-q", str(qos), "-t", topic]
        if file:
            argv += ["-f", file]
        elif payload is None:
            argv += ["-n"]
        else:
            argv += ["-m", payload]
        if retain:
            argv += ["-r"]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=WAIT_S)
        if r.returncode != 0:
            die("%s: %s" % (" ".join(argv), r.stderr.strip()))

    def retained(self, *filters, seconds=2):
        """What a fresh subscriber gets at once: {topic: payload} of the
        retained messages (the broker marks them)."""
        argv = ["mosquitto_sub"] + self.args + ["-F", "%r %t %p", "-W", str(seconds)]
        for f in filters:
            argv += ["-t", f]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + WAIT_S)
        got = {}
        for line in r.stdout.splitlines():
            flag, topic, payload = (line.split(" ", 2) + ["", ""])[:3]
            if flag == "1":
                got[topic] = payload
        return got

    def listen(self, name, *filters):
        """A subscriber writing '%r %t %p' lines to WORKDIR/name, subscribed
        for sure when this returns (it has seen its own probe message)."""
        path = os.path.join(self.work, name)
        probe = "probe/%s/%d" % (name, os.getpid())
        argv = ["mosquitto_sub"] + self.args + ["-F", "%r %t %p", "-t", probe]
        for f in filters:
            argv += ["-t", f]
        p = subprocess.Popen(argv, stdout=open(path, "w"), stderr=subprocess.STDOUT)
        self.subs.append(p)
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            self.pub(probe, "ready", qos=0)
            time.sleep(0.1)
            if probe in read(path):
                return path
        die("mosquitto_sub %s never subscribed" % name)

    def close(self):
        for p in self.subs:
            if p.poll() is None:
                p.terminate()
                p.wait()


class Session:
    """One scenario's peers: a started broker, a client of it, the sACN
    reader, ghostlight's processes and captures; the with block's end stops
    every one of them, whatever happened."""

    def __init__(self, work, port=PORT, broker_extra=None, client_extra=()):
        self.work = work
        self.broker = Broker(work, port=port, **({"extra": broker_extra}
                                                 if broker_extra is not None else {}))
        self.cli = Client(work, port=port, extra=client_extra)
        self.sacn = Sacn()
        self.procs = Procs(work)
        self.captures = []

    def __enter__(self):
        self.broker.start()
        return self

    def capture(self):
        cap = Capture(self.work)
        self.captures.append(cap)
        return cap

    def __exit__(self, *exc):
        for cap in self.captures:
            if cap.proc.poll() is None:
                cap.stop()
        self.cli.close()
        self.procs.stop_all()
        self.broker.stop()


def wait_line(path, pattern, timeout=WAIT_S):
    """Waits for a line of a subscriber's output matching the regular
    expression; returns the match."""
    rx = re.compile(pattern)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in read(path).splitlines():
            m = rx.search(line)
            if m:
                return m
        time.sleep(0.05)
    die("%s never showed /%s/; it has:\n%s" % (os.path.basename(path), pattern,
                                              read(path)[-2000:]))


def event_json(path, pattern):
    m = wait_line(path, r"^0 %s/event (\{.*%s.*\})$" % (BASE, pattern))
    return json.loads(m.group(1))


# ---- ghostlight --------------------------------------------------------------------------

def start_gl(procs, gl, show, url, name="gl.log", cwd=None, wait_connected=True):
    out = open(os.path.join(procs.work, name), "w")
    p = subprocess.Popen([gl, "play", show, "--no-status", "--mqtt", url], stdout=out,
                         stderr=subprocess.STDOUT, cwd=cwd)
    procs.procs.append(p)
    if wait_connected:
        wait_text(os.path.join(procs.work, name), "mqtt: connected to")
    return p


def stop_gl(p, work, name="gl.log"):
    """Ends ghostlight with SIGINT; returns its log."""
    if p.poll() is None:
        p.send_signal(signal.SIGINT)
        try:
            p.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            p.kill()
            die("ghostlight did not end within %d s of SIGINT" % WAIT_S)
    text = read(os.path.join(work, name))
    if p.returncode != 0:
        die("ghostlight play exited with %s:\n%s" % (p.returncode, text[-2000:]))
    return text


def drop_counts(text):
    """The reasons and counts of ghostlight's closing MQTT summary."""
    lines = [l for l in text.splitlines() if "mqtt:" in l and "messages received" in l]
    if not lines:
        die("no MQTT summary in ghostlight's log:\n" + text[-2000:])
    line = lines[-1]
    counts = {"received": int(re.search(r"(\d+) messages received", line).group(1))}
    inside = re.search(r"\((.*)\)\s*$", line)
    for part in (inside.group(1).split(", ") if inside else []):
        reason, n = part.rsplit(" ", 1)
        counts[reason] = int(n)
    log("ghostlight: " + line.split("log: ", 1)[-1])
    return counts


# ---- frames on the wire -----------------------------------------------------------------------

class Capture:
    """dumpcap on lo for sACN; frames() gives universe 1's data frame times."""

    def __init__(self, work):
        self.path = os.path.join(work, "sacn.pcapng")
        self.proc = subprocess.Popen(["dumpcap", "-n", "-q", "-i", "lo", "-B", "64", "-f",
                                      "udp port 5568", "-w", self.path],
                                     stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(work, "dumpcap.log"), "w"))
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            if os.path.exists(self.path) and os.path.getsize(self.path) > 1000:
                return
            time.sleep(0.05)
        die("dumpcap captured nothing in %d s" % WAIT_S)

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=WAIT_S)

    def frames(self):
        streams, _ = capture_stats.collect(self.path, "sacn")
        return [t for t, _ in streams.get(("sacn", 1), [])]


def window(times, t0, t1):
    """Frames between t0 and t1 (epoch seconds): (count, fps, max gap ms)."""
    w = [t for t in times if t0 <= t <= t1]
    if len(w) < 2:
        die("fewer than 2 frames between %.3f and %.3f" % (t0, t1))
    gaps = [(b - a) * 1000.0 for a, b in zip(w, w[1:])]
    # the edges: silence before the first or after the last frame counts too
    gaps += [(w[0] - t0) * 1000.0, (t1 - w[-1]) * 1000.0]
    return len(w), (len(w) - 1) / (w[-1] - w[0]), max(gaps)


def check_outage(gap, retries, outage, peer):
    """The outage tests' verdict: DMX frames never stopped for a second
    (gap: the longest, from window) during the outage, and ghostlight tried
    to reach the peer again at least once while it was away."""
    if gap >= 1000.0:
        die("DMX frames stopped for %.0f ms during %s" % (gap, outage))
    if retries < 1:
        die("no failed reconnect attempt while %s was down" % peer)


# ---- the scenarios ------------------------------------------------------------------------------

def url(port=PORT, user=None, password=None, host="127.0.0.1"):
    auth = ""
    if user:
        auth = user + (":" + password if password else "") + "@"
    return "mqtt://%s%s:%d" % (auth, host, port)


def check_discovery(cli, sacn, events):
    """The retained Home Assistant configs follow HA's documented rules, and
    pressing what they advertise does what they say."""
    configs = cli.retained("homeassistant/#")
    rx = re.compile(r"^homeassistant/(button|sensor|number|switch)/([A-Za-z0-9_-]+)/"
                    r"([A-Za-z0-9_-]+)/config$")
    required = {"button": ["command_topic"], "sensor": ["state_topic"],
                "number": ["command_topic"], "switch": ["command_topic"]}
    kinds, ids, by_name = {}, set(), {}
    for topic, payload in configs.items():
        m = rx.match(topic)
        if not m:
            die("discovery topic %s is not <prefix>/<component>/<node>/<object>/config" % topic)
        c = json.loads(payload)
        kind = m.group(1)
        kinds[kind] = kinds.get(kind, 0) + 1
        for key in required[kind] + ["unique_id", "name", "device", "availability"]:
            if key not in c:
                die("%s lacks %s: %s" % (topic, key, payload))
        if c["unique_id"] in ids:
            die("unique_id %s twice" % c["unique_id"])
        ids.add(c["unique_id"])
        if not c["device"].get("identifiers") or c["device"]["identifiers"][0] != m.group(2):
            die("%s: device identifiers %s" % (topic, c["device"]))
        if [a["topic"] for a in c["availability"]] != [BASE + "/status"]:
            die("%s: availability %s" % (topic, c["availability"]))
        by_name[c["name"]] = c
    want = {"button": 9, "sensor": 3, "number": 9, "switch": 1}
    if kinds != want:
        die("discovery configs %s, expected %s" % (kinds, want))
    log("Home Assistant discovery: %d retained configs (%s), each with unique_id, device "
        "and availability on %s/status" % (len(configs), kinds, BASE))
    # press what HA would press
    go = by_name["Main GO"]
    cli.pub(go["command_topic"], go["payload_press"])
    sacn.wait("Main GO pressed through its HA button (slot 1 = 51)", lambda s: s[0] == 51)
    event_json(events, '"cue_fired".*"label":"Warm"')
    fader = by_name["Fader 2 Dim 2"]
    cli.pub(fader["command_topic"], "0.5")
    sacn.wait("fader 2 at 0.5 through its HA number (slot 2 = 128)", lambda s: s[1] in (127, 128))
    deadline = time.monotonic() + WAIT_S
    while cli.retained(fader["state_topic"]).get(fader["state_topic"]) != "0.5":
        if time.monotonic() > deadline:
            die("%s never said 0.5" % fader["state_topic"])
        time.sleep(0.1)
    sensor = by_name["Main cue"]
    state = json.loads(cli.retained(sensor["state_topic"])[sensor["state_topic"]])
    if state["active"] != {"number": "1", "label": "Warm"}:
        die("the cue sensor's state: %s" % state)
    log("pressed Main GO and moved fader 2 through their HA entities; the cue sensor shows 1 Warm")


def scenario_plain(gl, show, work):
    with Session(work) as ses:
        cli, sacn, procs = ses.cli, ses.sacn, ses.procs
        # a stale GO waits on the broker before ghostlight comes, and a door
        # state the show's on_mqtt handler gets at connect
        cli.pub(BASE + "/cmd/go", "PRESS", retain=True)
        cli.pub("venue/door/back", "closed", retain=True)
        venue = cli.listen("venue", "venue/#", BASE + "/cue")
        glp = start_gl(procs, gl, show, url())
        sacn.wait("the show running (slot 1 = 0)", lambda s: s[0] == 0)
        wait_text(os.path.join(work, "gl.log"), "dropped %s/cmd/go: retained command" % BASE)
        sacn.drain()
        if sacn.wait("a frame after the retained GO", lambda s: True)[0] != 0:
            die("the retained cmd/go fired")
        # clearing it sends every subscriber an empty cmd/go: that must not
        # fire either (commands are handled in order: FX/2 shows when)
        cli.pub(BASE + "/cmd/go", None, retain=True)
        cli.pub(BASE + "/cmd/goto/FX_2", "1")
        if sacn.wait("FX/2 at cue 1 (slot 2 = 255)", lambda s: s[1] == 255)[0] != 0:
            die("clearing the retained cmd/go (an empty payload) fired GO")
        log("a retained cmd/go left on the broker was dropped, not fired; clearing it (an "
            "empty payload) fired nothing either")

        got = cli.retained(BASE + "/status", BASE + "/state/#")
        want = {BASE + "/status": "online", BASE + "/state/gm": "1",
                BASE + "/state/blackout": "off", BASE + "/state/fader/8": "1"}
        for topic, payload in want.items():
            if got.get(topic) != payload:
                die("retained %s is %r, expected %r (got %s)" % (topic, got.get(topic), payload,
                                                                sorted(got)))
        main = json.loads(got[BASE + "/state/list/Main"])
        if main["standby"] != {"number": "1", "label": "Warm"} or main["active"] is not None:
            die("retained state/list/Main: %s" % main)
        if json.loads(got[BASE + "/state/list/FX_2"])["name"] != "FX/2":
            die("state/list/FX_2: %s" % got[BASE + "/state/list/FX_2"])
        log("a new subscriber gets retained status online and %d state topics at once" %
            (len(got) - 1))

        events = cli.listen("events", BASE + "/event")
        check_discovery(cli, sacn, events)

        steps = [
            ("cmd/goto/Main", "3", "Main at cue 3 (slot 1 = 128)", lambda s: s[0] == 128),
            ("cmd/stop/FX_2", "PRESS", "FX/2 stopped (slot 2 = 0)", lambda s: s[1] == 0),
            ("cmd/go/FX_2", "PRESS", "FX/2 GO under fader 2 (slot 2 = 128)",
             lambda s: s[1] in (127, 128)),
            ("cmd/fader/1", "0.5", "fader 1 at 0.5 (slot 1 = 64)", lambda s: s[0] in (63, 64)),
            ("cmd/gm", '{"level": 0.5}', "grand master 0.5 (slot 2 = 64)",
             lambda s: s[1] in (63, 64)),
            ("cmd/blackout", "on", "blackout (slots 1, 2 = 0)", lambda s: s[0] == 0 and s[1] == 0),
            ("cmd/blackout", "off", "blackout off", lambda s: s[1] in (63, 64)),
            ("cmd/gm", "1", "grand master 1", lambda s: s[1] in (127, 128)),
            ("cmd/go", '{"list": "Main", "cue": 2}', "Main GOTO 2 by JSON (slot 1 = 128)",
             lambda s: s[0] in (127, 128)),
            ("cmd/panic", "PRESS", "panic: everything dark", lambda s: s[0] == 0 and s[1] == 0),
        ]
        for topic, payload, what, pred in steps:
            cli.pub(BASE + "/" + topic, payload)
            sacn.wait(what, pred)
        ev = event_json(events, '"cue_fired".*"label":"Calm"')
        if ev["list"] != "Main" or ev["cue"] != "3":
            die("cue_fired event: %s" % ev)
        event_json(events, '"list_stopped"')
        got = cli.retained(BASE + "/state/#")
        if got.get(BASE + "/state/blackout") != "on" or got.get(BASE + "/state/fader/1") != "0.5":
            die("retained state after panic: %s" % got)
        if json.loads(got[BASE + "/state/list/Main"])["state"] != "off":
            die("state/list/Main after panic: %s" % got[BASE + "/state/list/Main"])
        cli.pub(BASE + "/cmd/blackout", "off")
        log("commands changed the DMX on the wire: goto, go on a list, fader, grand master, "
            "blackout, JSON go, panic; events at GO; retained state follows")

        show_side(cli, sacn, events, venue, work)

        # kill -9: the broker publishes the last will
        status = cli.listen("status", BASE + "/status")
        glp.kill()
        glp.wait()
        wait_line(status, r"^0 %s/status offline$" % BASE)
        if cli.retained(BASE + "/status").get(BASE + "/status") != "offline":
            die("after kill -9 the retained status is not offline")
        log("kill -9 of ghostlight: status offline (its last will), retained")
        output_events(cli, gl, show, work, procs)
    log("PASS: mqtt plain")


def show_side(cli, sacn, events, venue, work):
    """The show's part (shows/test/mqtt.lua): its on_mqtt handler answers on
    venue/ack with mqtt.publish, retained messages included; cues 2 and 3
    publish when they fire (a topic under the base, a retained one, a table
    as JSON); a failing handler is an error event, and the show goes on."""
    wait_line(venue, r"^0 venue/ack back closed \(retained\)$")
    cli.pub("venue/door/front", "open")
    wait_line(venue, r"^0 venue/ack front open$")
    log("on_mqtt: the show's handler got a retained message at connect and a live one, and "
        "answered each with mqtt.publish")
    cli.pub(BASE + "/cmd/goto/Main", "2")
    sacn.wait("cue 2 (slot 1 = 128 under fader 1)", lambda s: s[0] in (127, 128))
    wait_line(venue, r"^0 %s/cue storm$" % BASE)
    wait_line(venue, r"^0 venue/fog 1$")
    if cli.retained("venue/fog").get("venue/fog") != "1":
        die("cue 2's retained venue/fog is not retained on the broker")
    cli.pub(BASE + "/cmd/goto/Main", "3")
    video = json.loads(wait_line(venue, r"^0 venue/video (\{.*\})$").group(1))
    if video != {"clip": "calm", "level": 0.5}:
        die("cue 3 published %s" % video)
    log("cue actions: cue 2 published ~/cue and a retained venue/fog, cue 3 a table as JSON")
    cli.pub("venue/door/side", "crash")
    wait_text(os.path.join(work, "gl.log"), 'on_mqtt("venue/door/+") handler')
    event_json(events, '"error".*door handler failed on purpose')
    cli.pub("venue/door/front", "closed")
    wait_line(venue, r"^0 venue/ack front closed$")
    log("a failing on_mqtt handler: an error line and an error event; the next message runs")


def scenario_auth(gl, show, work):
    pw = os.path.join(work, "passwd")
    r = subprocess.run(["mosquitto_passwd", "-b", "-c", pw, "gl", SECRET], capture_output=True,
                       text=True)
    if r.returncode != 0:
        die("mosquitto_passwd: " + r.stderr)
    with Session(work, broker_extra="allow_anonymous false\npassword_file %s\n" % pw,
                 client_extra=["-u", "gl", "-P", SECRET]) as ses:
        sacn, procs, cli = ses.sacn, ses.procs, ses.cli
        bad = start_gl(procs, gl, show, url(user="gl", password=WRONG), name="gl-wrong.log",
                       wait_connected=False)
        logpath = os.path.join(work, "gl-wrong.log")
        wait_text(logpath, "refused the connection")
        wait_text(logpath, "retrying in")
        cmdline = open("/proc/%d/cmdline" % bad.pid, "rb").read().replace(b"\0", b" ").decode()
        if WRONG in cmdline or "gl:" + "*" * len(WRONG) + "@" not in cmdline:
            die("the password shows in the process list: %s" % cmdline)
        text = stop_gl(bad, work, "gl-wrong.log")
        if WRONG in text:
            die("ghostlight printed the password")
        log("a wrong password: refused (%s), retried with back-off, masked in the process "
            "list, never printed" % re.search(r"refused the connection: ([^\n;]*)", text).group(1))

        glp = start_gl(procs, gl, show, url(user="gl", password=SECRET))
        sacn.wait("the show running", lambda s: s[0] == 0)
        cli.pub(BASE + "/cmd/go", "PRESS")
        sacn.wait("cue 1 after GO with a user name and password", lambda s: s[0] == 51)
        text = stop_gl(glp, work)
        if SECRET in text:
            die("ghostlight printed the password")
        log("the right password: connected; GO changed the DMX; the password never printed")
    log("PASS: mqtt auth")


def openssl(*argv, cwd):
    r = subprocess.run(["openssl"] + list(argv), capture_output=True, text=True, cwd=cwd)
    if r.returncode != 0:
        die("openssl %s: %s" % (" ".join(argv), r.stderr[-800:]))


def make_ca(work, name):
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *key, "-keyout", name + ".key", "-out", name + ".crt", "-days", "2",
            "-subj", "/CN=ghostlight test " + name, cwd=work)


def make_cert(work, ca, name, cn, san):
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", *key, "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn,
            cwd=work)
    ext = os.path.join(work, name + ".ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n" % san)
    openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
            "-CAcreateserial", "-out", name + ".crt", "-days", "2", "-extfile", ext, cwd=work)


def derived_show(show, work, name, line_re, replacement):
    """The test show, written into work with the line matching line_re
    replaced."""
    text = re.sub(line_re, lambda m: replacement, open(show).read(), count=1, flags=re.M)
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def tls_show(show, work, name, tls):
    """The test show with TLS options for its broker."""
    return derived_show(show, work, name, r"^mqtt \{.*\}$",
                        'mqtt { base = "%s", host = "localhost", port = %d, tls = %s, '
                        'keepalive = 5, reconnect_max = 2 }' % (BASE, TLS_PORT, tls))


def output_events(cli, gl, show, work, procs):
    """An output that fails (sACN to an address with no route) is published
    as an output_failing event. (output_recovered comes when an output
    clears its error: the USB drivers do on reconnect; sACN and Art-Net
    keep their last error, so it is not tested here.)"""
    dead = derived_show(show, work, "dead.lua", r"^output \{.*\}$",
                        'output { "sacn", type = "sacn", universes = {1}, unicast = "127.0.0.1" }\n'
                        'output { "dead", type = "sacn", universes = {1}, unicast = "10.255.255.1" }')
    events = cli.listen("events-dead", BASE + "/event")
    p = start_gl(procs, gl, dead, url(), name="gl-dead.log")
    ev = event_json(events, '"output_failing".*"output":"dead"')
    stop_gl(p, work, "gl-dead.log")
    log("an output failing (%s): an output_failing event" % ev["error"])


def start_gl_show(procs, gl, show, name, wait_connected=True):
    out = open(os.path.join(procs.work, name), "w")
    # from / : the certificates are found next to the show, not the cwd
    p = subprocess.Popen([gl, "play", show, "--no-status"], stdout=out, stderr=subprocess.STDOUT,
                         cwd="/")
    procs.procs.append(p)
    if wait_connected:
        wait_text(out.name, "mqtt: connected to")
    return p


def scenario_tls(gl, show, work):
    make_ca(work, "ca")
    make_ca(work, "other")
    make_cert(work, "ca", "server", "localhost", "DNS:localhost,IP:127.0.0.1,IP:::1")
    make_cert(work, "ca", "client", "ghostlight", "DNS:ghostlight")
    # every address of the namespace: "localhost" may resolve to ::1 first
    with Session(work, port=TLS_PORT,
                 broker_extra="cafile %s/ca.crt\ncertfile %s/server.crt\nkeyfile %s/server.key\n"
                 "require_certificate true\nallow_anonymous true\n" % (work, work, work),
                 client_extra=["--cafile", os.path.join(work, "ca.crt"),
                               "--cert", os.path.join(work, "client.crt"),
                               "--key", os.path.join(work, "client.key")]) as ses:
        sacn, procs, cli = ses.sacn, ses.procs, ses.cli
        cli.args[1] = "localhost"
        # the broker's certificate from a CA ghostlight does not trust
        wrong = tls_show(show, work, "tls-wrong.lua",
                         '{ ca = "other.crt", cert = "client.crt", key = "client.key" }')
        bad = start_gl_show(procs, gl, wrong, "gl-wrong.log", wait_connected=False)
        logpath = os.path.join(work, "gl-wrong.log")
        wait_text(logpath, "certificate verify failed")
        wait_text(logpath, "retrying in")
        stop_gl(bad, work, "gl-wrong.log")
        log("a broker certificate from an unknown CA: refused (certificate verify failed), "
            "retried")

        good = tls_show(show, work, "tls.lua",
                        '{ ca = "ca.crt", cert = "client.crt", key = "client.key" }')
        glp = start_gl_show(procs, gl, good, "gl.log")
        sacn.wait("the show running", lambda s: s[0] == 0)
        if "(TLS)" not in read(os.path.join(work, "gl.log")):
            die("ghostlight did not say TLS")
        got = cli.retained(BASE + "/status")
        if got.get(BASE + "/status") != "online":
            die("retained status over TLS: %s" % got)
        cli.pub(BASE + "/cmd/go", "PRESS")
        sacn.wait("cue 1 after GO over TLS", lambda s: s[0] == 51)
        stop_gl(glp, work)
        log("TLS with a CA and a client certificate, broker by name (localhost, files relative "
            "to the show's folder): connected, status retained, GO changed the DMX")
    log("PASS: mqtt tls")


def scenario_outage(gl, show, work):
    with Session(work) as ses:
        broker, cli, sacn, procs = ses.broker, ses.cli, ses.sacn, ses.procs
        glp = start_gl(procs, gl, show, url())
        cli.pub(BASE + "/cmd/go", "PRESS")
        cli.pub(BASE + "/cmd/go/Chase", "PRESS")     # a new frame every tick
        sacn.wait("cue 1", lambda s: s[0] == 51)
        cap = ses.capture()
        time.sleep(1.0)
        t_kill = time.time()
        broker.kill()
        gl_log = os.path.join(work, "gl.log")
        wait_text(gl_log, "mqtt: lost 127.0.0.1:%d" % PORT)
        time.sleep(3.0)                   # several reconnect attempts fail meanwhile
        broker.start()
        deadline = time.monotonic() + WAIT_S + 5
        while read(gl_log).count("mqtt: connected to") < 2:
            if time.monotonic() > deadline:
                die("ghostlight did not reconnect:\n" + read(gl_log)[-2000:])
            time.sleep(0.05)
        t_back = time.time()
        # the new broker knows nothing; ghostlight told it everything again
        # (the log line comes when the messages are queued: the broker may
        # have them a poll round later)
        deadline = time.monotonic() + WAIT_S
        got = cli.retained(BASE + "/status", BASE + "/state/#")
        while (got.get(BASE + "/status") != "online" or BASE + "/state/list/Main" not in got) \
                and time.monotonic() < deadline:
            time.sleep(0.1)
            got = cli.retained(BASE + "/status", BASE + "/state/#")
        if got.get(BASE + "/status") != "online":
            die("status not republished: %s" % got)
        main = json.loads(got.get(BASE + "/state/list/Main", "null") or "null")
        if not main or main["active"] != {"number": "1", "label": "Warm"}:
            die("state/list/Main not republished: %s" % got)
        cli.pub(BASE + "/cmd/go", "PRESS")
        sacn.wait("cue 2 after the reconnect", lambda s: s[0] == 255)
        time.sleep(0.5)
        cap.stop()
        times = cap.frames()
        n, fps, gap = window(times, t_kill, t_back)
        text = read(gl_log)
        retries = text.count("no broker at 127.0.0.1:%d" % PORT)
        log("broker killed for %.1f s: ghostlight retried %d times, reconnected, republished "
            "status and state; DMX during the outage: %d frames, %.1f fps, longest gap %.1f ms"
            % (t_back - t_kill, retries, n, fps, gap))
        check_outage(gap, retries, "the broker outage", "the broker")
        stop_gl(glp, work)
    log("PASS: mqtt outage")


def scenario_bad(gl, show, work):
    with Session(work) as ses:
        cli, sacn, procs = ses.cli, ses.sacn, ses.procs
        glp = start_gl(procs, gl, show, url())
        cli.pub(BASE + "/cmd/go", "PRESS")
        before = bytes(sacn.wait("cue 1", lambda s: s[0] == 51)[:2])
        events = cli.listen("events", BASE + "/event")
        big = os.path.join(work, "big")
        with open(big, "wb") as f:
            f.write(b"1" * (1 << 20))
        latin = os.path.join(work, "latin1")
        with open(latin, "wb") as f:
            f.write(b"\xe9t\xe9")
        bad = [
            ("cmd/fader/1", None, latin, "not UTF-8"),
            ("cmd/go", None, big, "too big"),
            ("cmd/go", '{"list": ', None, "malformed"),
            ("cmd/dance", "now", None, "unknown command"),
            ("cmd/fader/1", "1.5", None, "out of range"),
            ("cmd/gm", "-1", None, "out of range"),
            ("cmd/blackout", "7", None, "out of range"),
            ("cmd/fader/1", "loud", None, "wrong type"),
            ("cmd/go", '{"levl": 1}', None, "wrong type"),
            ("cmd/go/Nope", "PRESS", None, "no such target"),
            ("cmd/fader/99", "0.5", None, "no such target"),
            ("cmd/goto/Main", "42", None, "no such target"),
        ]
        for topic, payload, file, reason in bad:
            cli.pub(BASE + "/" + topic, payload, file=file)
            event_json(events, '"rejected".*"topic":"%s/%s".*"reason":"%s"' %
                       (BASE, re.escape(topic), reason))
        sacn.drain()
        after = bytes(sacn.wait("a frame after the bad input", lambda s: True)[:2])
        if after != before:
            die("bad input changed the output: %s -> %s" % (list(before), list(after)))
        log("%d bad messages each rejected with its reason (rejected events seen), DMX unchanged"
            % len(bad))
        cli.pub(BASE + "/cmd/go/Chase", "PRESS")     # a new frame every tick

        # a flood: 10k messages a second for 3 s, paced in batches of 1000
        # every 0.1 s through one client (its own thread sends them)
        cap = ses.capture()
        time.sleep(2.0)
        flood = subprocess.Popen(["mosquitto_pub"] + cli.args + ["-q", "0", "-l", "-t",
                                  BASE + "/cmd/fader/1"], stdin=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL)
        time.sleep(0.5)                     # connected
        sent, batch = 0, b"2\n" * 1000
        t0 = time.time()
        for k in range(30):
            flood.stdin.write(batch)
            flood.stdin.flush()
            sent += 1000
            pause = t0 + (k + 1) * 0.1 - time.time()
            if pause > 0:
                time.sleep(pause)
        t1 = time.time()
        flood.stdin.close()
        flood.wait(timeout=60)
        time.sleep(1.5)                     # out of the rate window
        cli.pub(BASE + "/cmd/go", "PRESS")
        sacn.wait("cue 2 after the flood", lambda s: s[0] == 255)
        cap.stop()
        times = cap.frames()
        n0, fps0, gap0 = window(times, t0 - 2.0, t0)
        n1, fps1, gap1 = window(times, t0, t1)
        log("flood: %d messages in %.2f s (%.0f/s); DMX before %.1f fps (gap max %.1f ms), "
            "during %.1f fps (gap max %.1f ms)" % (sent, t1 - t0, sent / (t1 - t0), fps0, gap0,
                                                   fps1, gap1))
        if gap1 >= 1000.0 or fps1 < 0.5 * fps0:
            die("the flood disturbed the DMX output")
        counts = drop_counts(stop_gl(glp, work))
        for _, _, _, reason in bad:
            if counts.get(reason, 0) < 1:
                die("the summary does not count '%s'" % reason)
        flooded = counts.get("flood", 0)
        if flooded < 1 or flooded + counts.get("out of range", 0) < 0.9 * sent:
            die("of %d flood messages %d counted as flood, %d out of range" %
                (sent, flooded, counts.get("out of range", 0)))
        log("every flood message counted: %d as flood, the rest (within rate_limit) out of range"
            % flooded)
    log("PASS: mqtt bad input")


# ---- the benchmark ------------------------------------------------------------------------------

def bench(gl, show, work, gos):
    """osc_remote.time_gos, with each GO a line to one connected
    mosquitto_pub -l (QoS 1): {"list": "Main", "cue": N} on cmd/go."""
    with Session(work) as ses:
        pub = subprocess.Popen(["mosquitto_pub"] + ses.cli.args + ["-q", "1", "-l", "-t",
                                BASE + "/cmd/go"], stdin=subprocess.PIPE)
        ses.procs.procs.append(pub)         # stopped with the rest
        start_gl(ses.procs, gl, show, url())

        def go(cue):
            pub.stdin.write(b'{"list": "Main", "cue": %d}\n' % cue)
            pub.stdin.flush()
        time_gos(ses.sacn, gos, go, "MQTT GO (mosquitto_pub -> mosquitto -> ghostlight, QoS 1, "
                 "loopback)")
        pub.stdin.close()


SCENARIOS = {"plain": scenario_plain, "auth": scenario_auth, "tls": scenario_tls,
             "outage": scenario_outage, "bad": scenario_bad}


if __name__ == "__main__":
    for tool in ("mosquitto", "mosquitto_pub", "mosquitto_sub"):
        if not shutil.which(tool):
            die("%s not installed (packages mosquitto, mosquitto-clients)" % tool)
    run_main(__doc__, dict(SCENARIOS, bench=bench))
