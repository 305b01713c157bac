"""play_signals.py - `ghostlight play` ends on SIGTERM / SIGINT whatever
its control thread is doing, and terminates its sACN streams (run by
tests/integration/play_signals.sh inside its own network namespace).

  play_signals.py GHOSTLIGHT WORKDIR

Cases:
  hung      a show whose every() handler is caught in a pathological pattern
            (a C call that ran for hours before the sandbox charged it; now
            it runs until its budget or the signal's interrupt stops it):
            SIGTERM interrupts it and the show ends cleanly
  stuck     the control thread frozen outside Lua (strace delays its next
            poll() by 30 s): SIGTERM's deadline ends the outputs' streams
            and the process itself
  ignored   `play` started with SIGINT ignored (as a shell starts a
            background job); SIGINT ends it cleanly
  loading   SIGTERM while the show file is still loading (a long loop of
            legal calls at load)
  twice     SIGTERM twice, 20 ms apart (timeout(1) and `kill 0` send one
            request to the process and to its group): one request, the
            show ends cleanly
  again     as stuck, and SIGTERM again 0.2 s later: the second signal
            ends the outputs' streams and the process at once, and says so
  slow_end  a disk that takes 1 s for each fdatasync (strace delays them):
            the control thread answers at once, but ending the show (the
            journal's last write) takes longer than the 0.5 s grace; the
            show still ends cleanly, and the journal says so
For each: the process ends, soon (the design bound is 0.5 s of grace plus
the output thread's 0.1 s wake-up, 5 s once the show is ending; the test
allows LIMIT_S for a loaded machine and prints what it measured), and a
raw socket on 127.0.0.1:5568
sees exactly three stream-terminated packets per universe once the show
had started sending.
Plain Python 3 standard library.
"""
import os
import signal
import socket
import struct
import subprocess
import sys
import time

SACN_PORT = 5568
OSC_PORT = 7700
LIMIT_S = 3.0              # a process that ignores the signal never ends
WAIT_S = 20.0

SHOW_HEAD = """show { name = "%s", rate = 44 }
output { "sacn", type = "sacn", universes = {1, 2}, unicast = "127.0.0.1", priority = 100 }
patch { "dim", type = "generic/dimmer", universe = 1, address = 1, count = 2 }
cuelist "Main" { cue { 1, "On", look = { ["dim 1"] = { intensity = 0.5 } } } }
go("Main")
"""

SHOWS = {
    # every 0.3 s: a call that, until the sandbox bounds it, never returns
    "hung": SHOW_HEAD % "Hung handler" +
    'every(0.05, function() ("a"):rep(2e5):find(".-.-.-.-.-.-b") end)\n',
    "stuck": SHOW_HEAD % "Stuck control thread",
    "again": SHOW_HEAD % "Stuck control thread",
    "ignored": SHOW_HEAD % "Plain",
    "twice": SHOW_HEAD % "Plain",
    "slow_end": SHOW_HEAD % "Slow disk",
    # legal and slow: seconds of string.format at load, far under the budget
    "loading": SHOW_HEAD % "Slow load" +
    'local t = {}\nfor i = 1, 1e6 do t[i % 1000 + 1] = string.format("%d %s %g", i, "x", i / 7) end\n',
}


def die(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


class Sacn:
    """Data packets per universe from a socket on 127.0.0.1:5568."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.sock.bind(("127.0.0.1", SACN_PORT))
        self.data = {}
        self.terminated = {}

    def read_until(self, deadline, stop=None):
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                d = self.sock.recv(2048)
            except socket.timeout:
                return False
            if len(d) < 126 or d[18:22] != b"\0\0\0\4":
                continue                   # sync, discovery
            u = struct.unpack(">H", d[113:115])[0]
            if d[112] & 0x40:
                self.terminated[u] = self.terminated.get(u, 0) + 1
            else:
                self.data[u] = self.data.get(u, 0) + 1
            if stop and stop():
                return True
        return False

    def close(self):
        self.sock.close()


def ping_answered(timeout):
    """True when the OSC adapter (on the control thread) answers a ping."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(timeout)
    s.sendto(b"/gl/ping\0\0\0\0,\0\0\0", ("127.0.0.1", OSC_PORT))
    try:
        return s.recv(256).startswith(b"/gl/pong")
    except socket.timeout:
        return False
    finally:
        s.close()


def wait_traced(pid):
    """Until strace holds every thread of pid (a loaded machine may take
    a while to attach), so the signal comes only once the delays apply."""
    deadline = time.monotonic() + WAIT_S
    task = "/proc/%d/task" % pid
    while time.monotonic() < deadline:
        tracers = []
        for tid in os.listdir(task):
            try:
                with open(os.path.join(task, tid, "status")) as f:
                    tracers += [l.split()[1] for l in f if l.startswith("TracerPid:")]
            except FileNotFoundError:
                continue               # a thread that just ended
        if tracers and all(t != "0" for t in tracers):
            return
        time.sleep(0.05)
    die("strace did not attach to every thread of %d within %g s" % (pid, WAIT_S))


second_signal_s = {}      # case -> when its second signal went, after the first
took_s = {}               # case -> from the signal to the process's end


def run_case(gl, work, name, sig, ignore_sigint=False, again_after_s=None):
    show = os.path.join(work, name + ".lua")
    with open(show, "w") as f:
        f.write(SHOWS[name])
    log = os.path.join(work, name + ".log")
    sacn = Sacn()
    tracer = None

    def preexec():
        if ignore_sigint:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
    env = dict(os.environ)
    if name == "slow_end":
        # traced to its end: LeakSanitizer cannot run under ptrace
        env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "detect_leaks=0"]))
    with open(log, "w") as out:
        p = subprocess.Popen([gl, "play", show, "--no-status"], stdout=out,
                             stderr=subprocess.STDOUT, preexec_fn=preexec, env=env)
    try:
        if name == "loading":
            time.sleep(0.3)
            if p.poll() is not None:
                die("%s: ghostlight ended before the signal (rc %s):\n%s" %
                    (name, p.returncode, open(log).read()[-1500:]))
            started = False
        else:
            if not sacn.read_until(time.monotonic() + WAIT_S,
                                   lambda: sacn.data.get(1) and sacn.data.get(2)):
                die("%s: no sACN data from the show within %g s:\n%s" %
                    (name, WAIT_S, open(log).read()[-1500:]))
            started = True
        if name == "hung":
            time.sleep(0.5)            # inside a handler: each runs to its 1 s limit
        if name == "slow_end":
            # every thread (-f): the journal's writer calls fdatasync
            tracer = subprocess.Popen(["strace", "-f", "-qq", "-o", "/dev/null", "-p", str(p.pid),
                                       "-e", "trace=fdatasync",
                                       "-e", "inject=fdatasync:delay_enter=1000000"])
            wait_traced(p.pid)
        if name in ("stuck", "again"):
            # the main thread is the control thread; strace attaches to it
            # alone and holds its next poll() for 30 s
            tracer = subprocess.Popen(["strace", "-qq", "-o", "/dev/null", "-p", str(p.pid),
                                       "-e", "trace=poll",
                                       "-e", "inject=poll:delay_enter=30000000"])
            time.sleep(1.0)
            if ping_answered(0.5):
                die("%s: the control thread still answers pings under strace" % name)
        t0 = time.monotonic()
        p.send_signal(sig)
        if again_after_s is not None:
            time.sleep(again_after_s)
            if p.poll() is None:
                p.send_signal(sig)
            second_signal_s[name] = time.monotonic() - t0
        if tracer and name != "slow_end":
            # The exiting process keeps its traced thread until strace lets
            # go of it: the streams' end is the measure here, then strace
            # is stopped so that the exit status can be collected.
            sacn.read_until(t0 + LIMIT_S, lambda: sacn.terminated.get(1, 0) >= 3 and
                            sacn.terminated.get(2, 0) >= 3)
            took = time.monotonic() - t0
            tracer.terminate()
        try:
            rc = p.wait(timeout=LIMIT_S)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            die("%s: ghostlight still runs %g s after %s:\n%s" %
                (name, LIMIT_S, signal.Signals(sig).name, open(log).read()[-1500:]))
        if not tracer or name == "slow_end":
            took = time.monotonic() - t0
        # the terminated packets were sent before the exit; take what is queued
        sacn.read_until(time.monotonic() + 0.3)
    finally:
        if p.poll() is None:
            p.kill()
        if tracer:
            tracer.wait()
        sacn.close()
    text = open(log).read()
    if started:
        for u in (1, 2):
            if sacn.terminated.get(u, 0) != 3:
                die("%s: universe %d: %d stream-terminated packets, not 3 (all: %s):\n%s" %
                    (name, u, sacn.terminated.get(u, 0), sacn.terminated, text[-1500:]))
    elif sacn.terminated or sacn.data:
        die("%s: the show sent sACN although it never finished loading: %s %s" %
            (name, sacn.data, sacn.terminated))
    took_s[name] = took
    print("%s: %s -> ended in %.3f s, rc %d, stream-terminated per universe %s" %
          (name, signal.Signals(sig).name, took, rc, sacn.terminated or "-"), flush=True)
    return rc, text


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    gl, work = sys.argv[1], sys.argv[2]

    rc, text = run_case(gl, work, "hung", signal.SIGTERM)
    if rc != 0 or "ended after" not in text:
        die("hung: the interrupted handler did not let the show end cleanly (rc %d):\n%s" %
            (rc, text[-1500:]))

    rc, text = run_case(gl, work, "stuck", signal.SIGTERM)
    if rc != 128 + signal.SIGTERM or "still in the control loop" not in text:
        die("stuck: not the deadline's exit (rc %d):\n%s" % (rc, text[-1500:]))

    rc, text = run_case(gl, work, "again", signal.SIGTERM, again_after_s=0.2)
    if rc != 128 + signal.SIGTERM or "asked again while still in the control loop" not in text:
        die("again: the second SIGTERM did not end it at once (rc %d):\n%s" % (rc, text[-1500:]))

    rc, text = run_case(gl, work, "twice", signal.SIGTERM, again_after_s=0.02)
    if second_signal_s["twice"] >= 0.09:
        # ghostlight takes the same signal within 0.1 s as the same request;
        # a machine that delayed this script past that asked twice
        print("twice: the second SIGTERM went %.3f s after the first (a loaded machine): "
              "not judged" % second_signal_s["twice"], flush=True)
    elif rc != 0 or "ended after" not in text:
        die("twice: one request sent twice did not let the show end cleanly (rc %d):\n%s" %
            (rc, text[-1500:]))

    rc, text = run_case(gl, work, "slow_end", signal.SIGTERM)
    if rc != 0 or "ended after" not in text:
        die("slow_end: a slow last journal write was cut short (rc %d):\n%s" % (rc, text[-1500:]))
    if took_s["slow_end"] < 0.9:
        die("slow_end: ended in %.3f s: the journal's last write was not delayed "
            "(strace's injection did not apply)" % took_s["slow_end"])
    journal = subprocess.run([gl, "journal", os.path.join(work, "slow_end.lua")],
                             capture_output=True, text=True)
    if "the run ended cleanly" not in journal.stdout:
        die("slow_end: the journal does not say the run ended cleanly:\n" + journal.stdout +
            journal.stderr)

    rc, text = run_case(gl, work, "ignored", signal.SIGINT, ignore_sigint=True)
    if rc != 0 or "ended after" not in text:
        die("ignored: SIGINT did not end the show cleanly (rc %d):\n%s" % (rc, text[-1500:]))

    rc, text = run_case(gl, work, "loading", signal.SIGTERM)
    if "ended after" in text:
        die("loading: the show played although SIGTERM came during its load:\n" + text[-1500:])
    if "while loading the show" not in text and "still loading the show" not in text:
        die("loading: no word of the stop during the load:\n" + text[-1500:])
    print("PASS: play_signals", flush=True)


if __name__ == "__main__":
    main()
