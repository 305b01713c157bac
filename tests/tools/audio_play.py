"""audio_play.py - `ghostlight play` with a show whose cues carry sound and
light at once, 64 universes of sACN beside the audio (run by
tests/integration/audio_play.sh inside its own network namespace, and by
bench/audio_soak.sh for the long run). The audio device is SDL's disk
driver: what the show played is a file, measured here.

  audio_play.py test GHOSTLIGHT WORKDIR [--duration S]
  audio_play.py soak GHOSTLIGHT WORKDIR --duration S     (sound into /dev/null)

test: `check` passes the show and fails a copy with a missing sound (at
its cue's file:line); play runs for S seconds while a remote subscribes
to OSC feedback and an MQTT client (when mosquitto is installed) reads
state/audio; PANIC near the end fades the sound out; the file holds the
first cue's -6 dBFS tone at -6 dBFS and the 44.1 kHz bed at its pitch;
sACN carried all 64 universes; the summary counts 0 underruns.
soak: the same show for S seconds; prints the summary (underruns must be 0).

Plain Python 3 standard library. No wall-clock assertions: waits have
generous deadlines and fail only when the thing never happens.
"""
import array
import math
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import wave

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from osc_remote import OSC_PORT, SACN_PORT, osc_message, osc_parse  # noqa: E402

RATE = 48000
UNIVERSES = 64
TONE_DB = -6.0
MQTT_PORT = 18837


def die(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def write_wav(path, rate, channels, seconds, freq, amp):
    frames = int(rate * seconds)
    data = array.array("h")
    for i in range(frames):
        v = int(round(32767 * amp * math.sin(2 * math.pi * freq * i / rate)))
        data.extend([v] * channels)
    with wave.open(path, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(data.tobytes())


def write_show(work, device, sound="tone.wav"):
    path = os.path.join(work, "show.lua" if sound == "tone.wav" else "missing.lua")
    with open(path, "w") as f:
        f.write("""show { name = "Audio play" }
local all, universes = {}, {}
for u = 1, %d do
  universes[u] = u
  patch { "u" .. u, type = "generic/dimmer", universe = u, address = 1, count = 16 }
  all[u] = "u" .. u
end
group("all", all)
output { "house", type = "sacn", universes = universes, unicast = "127.0.0.1" }
audio { driver = "disk", device = "%s", buffer = 512 }
fader(9, { audio = "master", level = 1 })
cuelist "Main" { loop = true,
  cue { 1, "Tone", look = { all = { intensity = 1 } }, follow = 1.5,
        audio = { "%s" } },
  cue { 2, "Bed", look = { all = { intensity = 0.3 } }, follow = 2.5,
        audio = { "bed44.wav", loop = true, devamp = true, level = -12 } },
  cue { 3, "Out", fade = 1, look = { all = { intensity = 0 } }, follow = 1,
        audio = { fade = "bed44", level = -math.huge, time = 1, stop = true } },
}
go("Main")
""" % (UNIVERSES, device, sound))
    return path


def make_files(work, device):
    write_wav(os.path.join(work, "tone.wav"), RATE, 1, 1.0, 1000.0, 10 ** (TONE_DB / 20))
    write_wav(os.path.join(work, "bed44.wav"), 44100, 2, 0.5, 220.0, 0.25)
    return write_show(work, device)


def check(gl, work, show):
    r = subprocess.run([gl, "check", show], capture_output=True, text=True)
    if r.returncode != 0 or "play \"tone\" tone.wav" not in r.stdout:
        die("check rejects the show (%d): %s%s" % (r.returncode, r.stdout[-800:], r.stderr))
    bad = write_show(work, os.path.join(work, "out.raw"), sound="nothere.wav")
    r = subprocess.run([gl, "check", bad], capture_output=True, text=True)
    want = "missing.lua:13: cue 1: audio \"nothere.wav\": No such file or directory"
    if r.returncode != 1 or want not in r.stderr:
        die("check of a show with a missing sound: exit %d, %r (wanted 1 and %r)" %
            (r.returncode, r.stderr[-400:], want))
    print("check: the show passes; a missing sound fails it: %s" % want)
    r = subprocess.run([gl, "devices", "--no-probe", "--audio-driver", "disk"],
                       capture_output=True, text=True)
    if r.returncode != 0 or "Audio (SDL driver disk):" not in r.stdout:
        die("devices has no Audio section for SDL's disk driver: %s%s" % (r.stdout, r.stderr))
    print("devices: %s" % " / ".join(r.stdout.split("Audio", 1)[1].strip().splitlines()))


# ---- while it plays ---------------------------------------------------------------------

class Remote:
    """An OSC subscriber and a sACN receiver on the loopback."""

    def __init__(self):
        self.osc = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.osc.bind(("127.0.0.1", 0))
        self.osc.setblocking(False)
        self.sacn = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sacn.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sacn.bind(("127.0.0.1", SACN_PORT))
        self.sacn.setblocking(False)
        self.universes = set()
        self.full_on = False
        self.messages = {}             # address -> last args
        self.seen = set()
        self.names = set()             # sounds named in /gl/out/audio/sound/<k>

    def send(self, address, *args):
        self.osc.sendto(osc_message(address, *args), ("127.0.0.1", OSC_PORT))

    def pump(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for sock, handle in ((self.osc, self.on_osc), (self.sacn, self.on_sacn)):
                try:
                    while True:
                        handle(sock.recv(2048))
                except BlockingIOError:
                    pass
            time.sleep(0.005)

    def on_osc(self, data):
        if data.startswith(b"#bundle"):
            return
        try:
            address, args = osc_parse(data)
        except (ValueError, struct.error, UnicodeDecodeError):
            return
        self.messages[address] = args
        self.seen.add(address)
        if address.startswith("/gl/out/audio/sound/") and args and args[0]:
            self.names.add(args[0])

    def on_sacn(self, data):
        if len(data) < 126 or data[18:22] != b"\0\0\0\4":
            return
        universe = struct.unpack(">H", data[113:115])[0]
        self.universes.add(universe)
        if universe == 1 and data[126] == 255:
            self.full_on = True


def mqtt_reader(work):
    """A private broker and a subscriber to state/audio, or None."""
    if not (shutil.which("mosquitto") and shutil.which("mosquitto_sub")):
        return None, None, None
    conf = os.path.join(work, "mosquitto.conf")
    with open(conf, "w") as f:
        f.write("listener %d 127.0.0.1\nallow_anonymous true\n" % MQTT_PORT)
    broker = subprocess.Popen(["mosquitto", "-c", conf], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    out = open(os.path.join(work, "state_audio.txt"), "w")
    sub = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(MQTT_PORT), "-t",
                            "ghostlight/+/state/audio", "-v"], stdout=out,
                           stderr=subprocess.STDOUT)
    return broker, sub, out.name


def play(gl, work, show, duration, with_remotes):
    log = os.path.join(work, "gl.log")
    argv = [gl, "play", show, "--duration", str(duration), "--no-status"]
    broker = sub = state_path = None
    if with_remotes:
        broker, sub, state_path = mqtt_reader(work)
        if broker:
            argv += ["--mqtt", "mqtt://127.0.0.1:%d" % MQTT_PORT]
    remote = Remote() if with_remotes else None
    with open(log, "w") as out:
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    try:
        if remote:
            for _ in range(40):                  # until the adapter listens
                remote.send("/gl/subscribe")
                remote.pump(0.25)
                if "/gl/out/show" in remote.seen:
                    break
            remote.pump(max(1.0, duration - 5.0))
            if not any(a.startswith("/gl/out/audio/level/") for a in remote.seen):
                die("no /gl/out/audio/level/... feedback; got %s" % sorted(remote.seen))
            if not {"tone", "bed44"} <= remote.names:
                die("/gl/out/audio/sound/<k> named %s, not tone and bed44" % sorted(remote.names))
            remote.send("/gl/panic")
            deadline = time.monotonic() + 3.0
            while time.monotonic() < deadline:
                remote.pump(0.1)
                if remote.messages.get("/gl/out/audio/sounds") == [0]:
                    break
            if remote.messages.get("/gl/out/audio/sounds") != [0]:
                die("after /gl/panic the sounds did not end: %s" %
                    remote.messages.get("/gl/out/audio/sounds"))
            print("osc: %d audio feedback addresses, sounds seen %s; /gl/panic ended them"
                  % (len([a for a in remote.seen if "/audio/" in a]), sorted(remote.names)))
        rc = p.wait(timeout=duration + 60)
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
            p.wait(timeout=10)
        for q in (sub, broker):
            if q and q.poll() is None:
                q.terminate()
                q.wait(timeout=10)
    text = open(log, errors="replace").read()
    if rc != 0:
        die("play exited %d:\n%s" % (rc, text[-1500:]))
    if remote:
        if len(remote.universes) != UNIVERSES or not remote.full_on:
            die("sACN: %d universes seen (want %d), full on %s" %
                (len(remote.universes), UNIVERSES, remote.full_on))
        print("sacn: all %d universes, the tone's cue at full" % UNIVERSES)
    if state_path:
        states = open(state_path).read()
        if '"sounds":[{"name":"' not in states:
            die("MQTT state/audio never named a sound: %s" % states[-500:])
        print("mqtt: state/audio, e.g. %s" % states.strip().splitlines()[-1][:160])
    return text


def summary(text):
    m = re.search(r"ghostlight: audio: (\d+) frames at (\d+) Hz, (\d+) underruns, (\d+) late "
                  r"callbacks, (\d+) clipped, mixing (\d+) us a buffer \(max (\d+)\)", text)
    if not m:
        die("no audio summary in play's output:\n%s" % text[-1500:])
    return [int(x) for x in m.groups()]


# ---- what was played ----------------------------------------------------------------------

def analyse(path):
    raw = array.array("f")
    with open(path, "rb") as f:
        raw.frombytes(f.read())
    left = raw[0::2]
    first = next((i for i, x in enumerate(left) if x != 0.0), None)
    if first is None:
        die("the output is silent")
    peak = max(abs(x) for x in left[first:first + RATE - 100])
    db = 20 * math.log10(peak)
    if abs(db - TONE_DB) > 0.02:
        die("the tone came out at %.3f dBFS, not %.1f" % (db, TONE_DB))
    # the bed: its cue follows the tone's by 1.5 s; its pitch in 0.3 s
    start = first + int(1.6 * RATE)
    ups = [i for i in range(start, start + int(0.3 * RATE))
           if left[i - 1] < 0 <= left[i]]
    if len(ups) < 2:
        die("no bed where it should be")
    freq = (len(ups) - 1) / ((ups[-1] - ups[0]) / RATE)
    if abs(freq - 220.0) > 1.0:
        die("the 44.1 kHz bed came out at %.2f Hz, not 220" % freq)
    print("audio: the tone at %.3f dBFS from frame %d, the 44.1 kHz bed at %.2f Hz"
          % (db, first, freq))


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("test", "soak"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, gl, work = sys.argv[1:4]
    duration = float(sys.argv[sys.argv.index("--duration") + 1]) if "--duration" in sys.argv \
        else 12.0
    device = os.path.join(work, "out.raw") if mode == "test" else "/dev/null"
    show = make_files(work, device)
    if mode == "test":
        check(gl, work, show)
    text = play(gl, work, show, duration, with_remotes=(mode == "test"))
    frames, rate, underruns, late, clipped, mix_us, mix_max = summary(text)
    print("play %.0f s, 64 universes: %d frames at %d Hz, %d underruns, %d late callbacks, "
          "%d clipped, mixing %d us a buffer (max %d)" % (duration, frames, rate, underruns, late,
                                                         clipped, mix_us, mix_max))
    if underruns != 0:
        die("%d underruns" % underruns)
    if mode == "test":
        if abs(frames - duration * RATE) > 0.2 * duration * RATE:
            die("%d frames in %.0f s" % (frames, duration))
        analyse(device)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
