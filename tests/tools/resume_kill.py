"""resume_kill.py - `ghostlight play` killed with SIGKILL at random moments
of a running show comes back where the show was (run by
tests/integration/resume_kill.sh inside its own network namespace).

  resume_kill.py GHOSTLIGHT WORKDIR [--kills 20] [--seed N]

Each round: start `play`, send a random burst of OSC commands (GO, BACK,
GOTO, STOP, PAUSE, RESUME, faders, grand master, blackout, programmer
values, CLEAR) with random gaps, SIGKILL it at a random moment (mid-fade,
mid-burst, while the journal is being written), then read the journal
with `ghostlight journal` (it must be readable: both slots whole or
absent) and start `play` again. The restarted show must come back at that
journaled state:
  - on OSC feedback (the test is one of the show's `remotes`): each list's
    active cue, the faders, the grand master, blackout; and the remotes
    are told it resumed (/gl/out/error "resumed after a crash", and an
    MQTT event "resumed" through a private mosquitto);
  - the show's schedule (missed = "catch_up", a daily at() two minutes
    before the test began, going to FX cue 2) ran at the fresh start and
    is never run again by a restart: the journal holds what it did;
  - on the wire: once its fades have settled, the sACN slots equal what
    the test computes from the journaled state with its own model of the
    show (every cue sets all of its list's dimmers; HTP of the two lists
    times their masters, the programmer above them, then the group fader,
    the grand master and blackout; a paused list holds its fade where the
    journal says it stood).
The fresh start (round 0) checks the model against the wire too.

Plain Python 3 standard library. No wall-clock assertions: waits have
generous deadlines and fail only when the expected thing never comes.
"""
import argparse
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from osc_remote import Sacn, osc_message, osc_messages  # noqa: E402

OSC_PORT = 7700
REMOTE_PORT = 9000
MQTT_PORT = 18850
WAIT_S = 15.0

# Main: dimmers "a 1-4" (fixtures 1-4, slots 1-4); FX: "b 1-4" (5-8, slots
# 5-8). Every cue sets all four of its list's dimmers.
MAIN = {1: [1.0, 0.5, 0.0, 0.25], 2: [0.0, 1.0, 0.75, 0.5], 3: [0.5, 0.0, 1.0, 1.0],
        4: [0.25, 0.25, 0.25, 0.0], 5: [1.0, 1.0, 1.0, 1.0]}
FX = {1: [1.0, 0.0, 1.0, 0.0], 2: [0.0, 1.0, 0.0, 1.0], 3: [0.5, 0.5, 0.5, 0.5]}
MAIN_FADE = {1: 0.4, 2: 0.8, 3: 0.0, 4: 1.0, 5: 0.6}
FX_FADE = {1: 0.5, 2: 0.5, 3: 1.0}
BACK_TIME = 1.0
LEVELS = [0.0, 0.25, 0.5, 0.75, 1.0]


def die(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def look(values):
    return "{ " + ", ".join('["%s"] = { intensity = %g }' % (n, v) for n, v in values) + " }"


def show_text(schedule_at):
    main = ",\n  ".join('cue { %d, "M%d", fade = %g, look = %s }' %
                        (k, k, MAIN_FADE[k], look(("a %d" % (i + 1), v) for i, v in enumerate(vals)))
                        for k, vals in MAIN.items())
    fx = ",\n  ".join('cue { %d, "F%d", fade = %g, look = %s }' %
                      (k, k, FX_FADE[k], look(("b %d" % (i + 1), v) for i, v in enumerate(vals)))
                      for k, vals in FX.items())
    return """show { name = "Resume", rate = 44, back_time = %g }
output { "o", type = "sacn", universes = {1}, unicast = "127.0.0.1" }
osc { remotes = { "osc.udp://127.0.0.1:%d" }, heartbeat = 0.5 }
mqtt { host = "127.0.0.1", port = %d, base = "resume" }
patch { "a", type = "generic/dimmer", universe = 1, address = 1, count = 4 }
patch { "b", type = "generic/dimmer", universe = 1, address = 5, count = 4 }
group("ga", { "a" })
fader(1, { group = "ga", label = "A" })
fader(2, { cuelist = "FX", label = "FX" })
cuelist "Main" {
  %s,
}
cuelist "FX" { loop = true,
  %s,
}
go("Main")
schedule { missed = "catch_up" }
at("%s", function() go("FX", 2) end)
""" % (BACK_TIME, REMOTE_PORT, MQTT_PORT, main, fx, schedule_at)


# ---- the model ----------------------------------------------------------------------

def list_values(lst, cues, fades):
    """A journaled list's four dimmer values (before its master)."""
    if lst["state"] == "off":
        return [0.0] * 4
    target = cues[int(float(lst["cue"]))]
    start = cues[int(float(lst["from"]))] if lst["from"] != "-" else [0.0] * 4
    fade = BACK_TIME if lst["back"] else fades[int(float(lst["cue"]))]
    x = 1.0 if lst["state"] == "running" or fade == 0 else min(1.0, lst["elapsed"] / fade)
    return [s * (1 - x) + t * x for s, t in zip(start, target)]


def model(j):
    """Slots 1-8 for a journaled state, once its running fades are done."""
    main = list_values(j["lists"]["Main"], MAIN, MAIN_FADE)
    fx = list_values(j["lists"]["FX"], FX, FX_FADE)
    main = [v * j["lists"]["Main"]["master"] for v in main]
    fx = [v * j["lists"]["FX"]["master"] for v in fx]
    values = main + fx
    for n, v in j["programmer"].items():
        values[n - 1] = v
    group = j["faders"].get(1, 1.0)
    gm = 0.0 if j["blackout"] else j["gm"]
    out = []
    for i, v in enumerate(values):
        if i < 4:
            v *= group
        v *= gm
        out.append(int(min(1.0, max(0.0, v)) * 255 + 0.5))
    return out


# ---- the journal, as `ghostlight journal` prints it ----------------------------------

def read_journal(gl, show, env):
    r = subprocess.run([gl, "journal", show], capture_output=True, text=True, env=env,
                       timeout=60)
    if r.returncode != 0:
        die("ghostlight journal: %s" % r.stderr.strip())
    text = r.stdout
    for line in text.splitlines():
        if line.startswith("slot ") and ": seq " not in line and ": absent " not in line:
            die("a journal slot is unreadable after SIGKILL:\n" + text)
        if line.startswith("note:"):
            die("the journal says: " + line)
    if "state: seq" not in text:
        return None
    j = {"lists": {}, "faders": {}, "programmer": {}, "text": text,
         "ended": "ended cleanly" in text}
    for line in text.splitlines():
        m = re.match(r'list "(\w+)" (off|running|paused)(?: cue (\S+) from (\S+)( back)? '
                     r'elapsed ([\d.]+))? master ([\d.]+)$', line)
        if m:
            j["lists"][m.group(1)] = {"state": m.group(2), "cue": m.group(3),
                                      "from": m.group(4), "back": bool(m.group(5)),
                                      "elapsed": float(m.group(6) or 0),
                                      "master": float(m.group(7))}
        m = re.match(r"fader (\d+) ([\d.]+)$", line)
        if m:
            j["faders"][int(m.group(1))] = float(m.group(2))
        m = re.match(r'programmer "([ab]) (\d)" intensity ([\d.]+)$', line)
        if m:
            j["programmer"][(4 if m.group(1) == "b" else 0) + int(m.group(2))] = float(m.group(3))
        if line.startswith("grand_master "):
            j["gm"] = float(line.split()[1])
        if line.startswith("blackout "):
            j["blackout"] = line.split()[1] == "on"
    if set(j["lists"]) != {"Main", "FX"} or "gm" not in j:
        die("the journal does not name every list:\n" + text)
    return j


# ---- OSC feedback ------------------------------------------------------------------------

class Remote:
    """The show's remote on 127.0.0.1:9000: the newest value per address."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", REMOTE_PORT))
        self.values = {}
        self.errors = []

    def pump(self, seconds):
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            self.sock.settimeout(max(0.001, left))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return
            for address, args in osc_messages(data):
                self.values[address] = args
                if address == "/gl/out/error":
                    self.errors.append(args[0] if args else "")

    def reset(self):
        self.pump(0.001)
        self.values = {}
        self.errors = []

    def send(self, address, *args):
        self.sock.sendto(osc_message(address, *args), ("127.0.0.1", OSC_PORT))


def feedback_matches(remote, j):
    """What the remote was told matches the journal: '' or what differs."""
    v = remote.values
    for number, name in ((1, "Main"), (2, "FX")):
        lst = j["lists"][name]
        want = lst["cue"] if lst["state"] != "off" else ""
        got = v.get("/gl/out/list/%d/active/number" % number)
        if got is None or got[0] != want:
            return "list %s active %r, journal %r" % (name, got, want)
    for n, level in j["faders"].items():
        got = v.get("/gl/out/fader/%d" % n)
        if got is None or abs(got[0] - level) > 0.002:
            return "fader %d %r, journal %g" % (n, got, level)
    got = v.get("/gl/out/gm")
    if got is None or abs(got[0] - j["gm"]) > 0.002:
        return "grand master %r, journal %g" % (got, j["gm"])
    got = v.get("/gl/out/blackout")
    if got is None or got[0] != int(j["blackout"]):
        return "blackout %r, journal %s" % (got, j["blackout"])
    return ""


# ---- a round --------------------------------------------------------------------------

def random_command(rng):
    lst = rng.choice([1, 2])
    kind = rng.choice(["go", "go", "go", "back", "goto", "stop", "pause", "resume", "fader",
                       "fader", "gm", "blackout", "fixture", "fixture", "clear"])
    if kind == "go":
        return ("/gl/list/%d/go" % lst,)
    if kind == "back":
        return ("/gl/list/%d/back" % lst,)
    if kind == "goto":
        cues = MAIN if lst == 1 else FX
        return ("/gl/goto", lst, rng.choice(list(cues)))
    if kind in ("stop", "pause", "resume"):
        return ("/gl/list/%d/%s" % (lst, kind),)
    if kind == "fader":
        return ("/gl/fader/%d" % rng.choice([1, 2]), rng.choice(LEVELS))
    if kind == "gm":
        return ("/gl/gm", rng.choice(LEVELS[1:]))
    if kind == "blackout":
        return ("/gl/blackout", rng.choice([0, 0, 1]))
    if kind == "fixture":
        return ("/gl/fixture/%d/intensity" % rng.randint(1, 8), rng.choice(LEVELS))
    return ("/gl/clear",)


def settled_slots(sacn, want, timeout):
    """Waits until slots 1-8 hold `want` (each within 1) and stay so for
    a few frames. Returns the slots last seen."""
    deadline = time.monotonic() + timeout
    same = 0
    last = None
    while time.monotonic() < deadline:
        s = sacn.read(1.0)
        if s is None:
            continue
        last = list(s[:8])
        if all(abs(a - b) <= 1 for a, b in zip(last, want)):
            same += 1
            if same >= 5:
                return last
        else:
            same = 0
    return last


def start(gl, show, env, log):
    out = open(log, "w")
    return subprocess.Popen([gl, "play", show, "--no-status"], stdout=out,
                            stderr=subprocess.STDOUT, env=env)


def main():
    ap = argparse.ArgumentParser(usage=__doc__.split("\n\n")[1].strip().replace("%", "%%"))
    ap.add_argument("gl")
    ap.add_argument("work")
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=random.randrange(1 << 30))
    a = ap.parse_args()
    gl, work, kills, seed = a.gl, a.work, a.kills, a.seed
    rng = random.Random(seed)
    print("resume_kill: %d kills, seed %d (--seed %d repeats this run)" % (kills, seed, seed),
          flush=True)
    show = os.path.join(work, "resume.lua")
    with open(show, "w") as f:
        # a daily schedule that was due shortly before: the fresh start
        # catches it up, and it does not come again while the test runs
        f.write(show_text(time.strftime("%H:%M", time.localtime(time.time() - 120))))
    env = dict(os.environ, GHOSTLIGHT_STATE_DIR=os.path.join(work, "state"))
    broker, events = start_mqtt(work)
    try:
        run(gl, show, env, rng, kills, work, events)
    finally:
        for p in broker:
            p.terminate()
            p.wait()


def start_mqtt(work):
    """A private mosquitto and a subscriber writing the show's events."""
    conf = os.path.join(work, "mosquitto.conf")
    with open(conf, "w") as f:
        f.write("user root\npersistence false\nlistener %d 127.0.0.1\nallow_anonymous true\n"
                % MQTT_PORT)
    broker = subprocess.Popen(["mosquitto", "-c", conf], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + WAIT_S
    while True:
        try:
            socket.create_connection(("127.0.0.1", MQTT_PORT), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                die("mosquitto did not start")
            time.sleep(0.05)
    events = os.path.join(work, "events.txt")
    sub = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(MQTT_PORT),
                            "-t", "resume/event"], stdout=open(events, "w"),
                           stderr=subprocess.STDOUT)
    return [sub, broker], events


def run(gl, show, env, rng, kills, work, events):
    sacn = Sacn()
    remote = Remote()
    subprocess.run([gl, "journal", show, "--clear"], env=env, capture_output=True)

    # the fresh start: cue 1 of Main, and cue 2 of FX from the caught-up
    # schedule; the model agrees
    j = {"lists": {"Main": {"state": "running", "cue": "1", "from": "-", "back": False,
                            "elapsed": 0.0, "master": 1.0},
                   "FX": {"state": "running", "cue": "2", "from": "-", "back": False,
                          "elapsed": 0.0, "master": 1.0}},
         "faders": {1: 1.0, 2: 1.0}, "programmer": {}, "gm": 1.0, "blackout": False}
    resumed = 0
    first_frame_ms = []        # restart -> its first frame (the state put back): a figure
    for k in range(kills + 1):
        log = os.path.join(work, "play-%02d.log" % k)
        remote.reset()
        sacn.drain()           # nothing of the killed run's left in the socket
        t_start = time.monotonic()
        p = start(gl, show, env, log)
        if sacn.read(WAIT_S) is not None and k > 0:
            first_frame_ms.append((time.monotonic() - t_start) * 1000.0)
        want = model(j)
        got = settled_slots(sacn, want, WAIT_S)
        if got is None or any(abs(a - b) > 1 for a, b in zip(got, want)):
            p.kill()
            die("round %d: the wire shows %s, the journaled state gives %s\n%s" %
                (k, got, want, j.get("text", "(fresh start)")))
        # feedback: ask for all of it, then compare
        deadline = time.monotonic() + WAIT_S
        diff = "nothing received"
        while time.monotonic() < deadline:
            remote.send("/gl/refresh", REMOTE_PORT)
            remote.pump(0.3)
            diff = feedback_matches(remote, j)
            if not diff:
                break
        if diff:
            p.kill()
            die("round %d: OSC feedback differs from the journal: %s\n%s" %
                (k, diff, j.get("text", "")))
        if k > 0:
            with open(log) as f:
                text = f.read()
            if "resume: resumed after a crash" not in text:
                p.kill()
                die("round %d: play did not say it resumed:\n%s" % (k, text[-2000:]))
            if not any("resumed after a crash" in e for e in remote.errors):
                p.kill()
                die("round %d: the remote was not told the show resumed (errors: %s)" %
                    (k, remote.errors))
            resumed += 1
        if k == kills:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=10)
            break
        # a random burst, then SIGKILL at a random moment
        for _ in range(rng.randint(1, 5)):
            remote.send(*random_command(rng))
            time.sleep(rng.uniform(0, 0.3))
        time.sleep(rng.uniform(0, 0.8))
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=10)
        j = read_journal(gl, show, env)
        if j is None or j["ended"]:
            die("round %d: after SIGKILL the journal holds no crash state:\n%s" %
                (k, j["text"] if j else "(none)"))
    # a clean end: the next start begins from the top
    j = read_journal(gl, show, env)
    if not j or not j["ended"]:
        die("after SIGTERM the journal does not say the run ended cleanly")
    # MQTT heard each resume, once connected (the event waits for that)
    with open(events) as f:
        told = sum('"event":"resumed"' in line.replace(" ", "") for line in f)
    if told != resumed:
        die("%d restarts resumed, %d MQTT \"resumed\" events" % (resumed, told))
    print("resume_kill: %d SIGKILLs at random moments, each restart resumed at the journaled "
          "state (wire, OSC feedback; MQTT heard each); the journal was readable every time" % resumed)
    if first_frame_ms:
        first_frame_ms.sort()
        print("resume_kill: restart -> first sACN frame (the first tick puts the journaled state "
              "back): median %.0f ms, max %.0f ms over %d restarts (a figure, not asserted)" %
              (first_frame_ms[len(first_frame_ms) // 2], first_frame_ms[-1], len(first_frame_ms)),
              flush=True)


if __name__ == "__main__":
    main()
