"""sdnotify_check.py - `ghostlight play` speaks systemd's notify protocol
(run by tests/integration/sdnotify_watchdog.sh in its own network
namespace). No systemd runs here (PID 1 is not systemd, there is no user
manager), so the test is systemd's side of the socket: an AF_UNIX datagram
socket named by $NOTIFY_SOCKET, as systemd gives a Type=notify service.

  sdnotify_check.py GHOSTLIGHT WORKDIR

Checks:
  - READY=1 arrives once the show runs (sACN frames are on the wire by
    then), with a STATUS= line naming the show and its cue;
  - STATUS= follows the cues; WATCHDOG=1 arrives while the show is
    healthy ($WATCHDOG_USEC = 1 s: a check every 0.5 s);
  - a stalled engine thread (strace holds its next clock_nanosleep for
    4 s; the other threads run on) stops the pings: the longest silence
    between pings covers the stall, the log says why, and the pings come
    back once the engine runs again; the same for a stalled output thread;
  - SIGTERM: STOPPING=1, and the process ends cleanly;
  - without $WATCHDOG_USEC: READY=1 and no pings at all.
Plain Python 3 standard library; waits have generous deadlines, and the
only timing asserted is a silence the test itself caused.
"""
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from osc_remote import Sacn, recv_until  # noqa: E402

WAIT_S = 15.0
STALL_S = 4.0
CHECK_S = 0.5          # half of WATCHDOG_USEC

SHOW = """show { name = "Notify", rate = 44 }
output { "o", type = "sacn", universes = {1}, unicast = "127.0.0.1" }
patch { "dim", type = "generic/dimmer", universe = 1, address = 1, count = 2 }
cuelist "Main" { loop = true,
  cue { 1, "Up", fade = 0.2, follow = 0.8, look = { dim = { intensity = 1 } } },
  cue { 2, "Down", fade = 0.2, follow = 0.8, look = { dim = { intensity = 0.2 } } },
}
go("Main")
"""


def die(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


class Notify:
    """systemd's end: every datagram, with its arrival time."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.msgs = []

    def pump(self, seconds):
        for data in recv_until(self.sock, time.monotonic() + seconds, 4096):
            self.msgs.append((time.monotonic(), data.decode()))

    def wait(self, pred, what, timeout=WAIT_S):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for t, m in self.msgs:
                if pred(m):
                    return t, m
            self.pump(0.1)
        die("no %s from play (got: %s)" % (what, [m for _, m in self.msgs][-5:]))

    def pings(self, since=0.0):
        return [t for t, m in self.msgs if t >= since and "WATCHDOG=1" in m.split("\n")]


def thread_id(pid, name):
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
            if f.read().strip() == name:
                return int(tid)
    die("no thread %s in play" % name)


def stall(pid, notify, log, thread, syscall):
    """Holds `thread`'s next `syscall` for STALL_S under strace; returns
    the longest silence between pings around it."""
    tid = thread_id(pid, thread)
    before = len(notify.pings())
    t0 = time.monotonic()
    tracer = subprocess.Popen(["strace", "-qq", "-o", "/dev/null", "-p", str(tid),
                               "-e", "trace=" + syscall,
                               "-e", "inject=%s:delay_enter=%d:when=1" %
                               (syscall, int(STALL_S * 1e6))])
    try:
        notify.pump(STALL_S + 3.0)
    finally:
        tracer.terminate()
        tracer.wait(timeout=10)
    pings = notify.pings(t0 - 1.0)
    if len(notify.pings()) <= before:
        die("%s stalled: no ping at all afterwards" % thread)
    gaps = [b - a for a, b in zip(pings, pings[1:])]
    longest = max(gaps) if gaps else 0.0
    # the stall: STALL_S without ticks (or frames); a ping may still go
    # out at the check that saw the last of them, one check period later
    # none may: so a silence of at least STALL_S - 2 checks
    if longest < STALL_S - 2 * CHECK_S - 0.3:
        die("%s held for %.1f s, yet pings went on (longest silence %.2f s; pings at %s)" %
            (thread, STALL_S, longest, ["%.2f" % (t - t0) for t in pings]))
    # and they come back
    notify.pump(2.0)
    after = [t for t in notify.pings() if t > t0 + STALL_S]
    if len(after) < 2:
        die("%s: the pings did not come back after the stall" % thread)
    with open(log) as f:
        text = f.read()
    print("%s held %.1f s: longest silence between pings %.2f s" % (thread, STALL_S, longest),
          flush=True)
    return text


def run(gl, work, watchdog):
    show = os.path.join(work, "notify.lua")
    with open(show, "w") as f:
        f.write(SHOW)
    path = os.path.join(work, "notify.sock")
    if os.path.exists(path):
        os.unlink(path)
    notify = Notify(path)
    sacn = Sacn()
    env = dict(os.environ, NOTIFY_SOCKET=path, GHOSTLIGHT_STATE_DIR=os.path.join(work, "state"))
    if watchdog:
        env["WATCHDOG_USEC"] = "1000000"
    log = os.path.join(work, "play-%s.log" % ("watchdog" if watchdog else "plain"))
    p = subprocess.Popen([gl, "play", show, "--no-status"], stderr=open(log, "w"),
                         stdout=subprocess.DEVNULL, env=env)
    try:
        _, ready = notify.wait(lambda m: "READY=1" in m.split("\n"), "READY=1")
        if "STATUS=" not in ready or "Notify: Main cue" not in ready:
            die("READY=1 without a status naming the show and its cue: %r" % ready)
        if sacn.read(5.0) is None:
            die("READY=1 came, but no sACN frame")
        notify.wait(lambda m: m.startswith("STATUS=") and "Main cue 2 Down" in m,
                    "STATUS= following the cues")
        notify.pump(2.0)
        if not watchdog:
            if notify.pings():
                die("WATCHDOG=1 without WATCHDOG_USEC")
        else:
            if len(notify.pings()) < 3:
                die("fewer than 3 watchdog pings in 2 s of a healthy show: %d" %
                    len(notify.pings()))
            text = stall(p.pid, notify, log, "gl-engine", "clock_nanosleep")
            if "the engine has not ticked" not in text or "watchdog pings resume" not in text:
                die("the log does not tell the engine's stall:\n" + text[-1500:])
            text = stall(p.pid, notify, log, "gl-output", "ppoll")
            if "an output thread has taken no frame" not in text:
                die("the log does not tell the output thread's stall:\n" + text[-1500:])
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=10)
        notify.pump(0.2)
        if rc != 0:
            die("play ended with %d after SIGTERM" % rc)
        if not any("STOPPING=1" in m for _, m in notify.msgs):
            die("no STOPPING=1 at SIGTERM")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        sacn.sock.close()
        notify.sock.close()


def main():
    gl, work = sys.argv[1], sys.argv[2]
    run(gl, work, watchdog=False)
    print("without a watchdog: READY=1, STATUS= lines, STOPPING=1, no pings", flush=True)
    run(gl, work, watchdog=True)
    print("sdnotify: READY=1 once frames go out, STATUS= follows the cues, watchdog pings "
          "stop while the engine or an output thread is stalled and come back after")


if __name__ == "__main__":
    main()
