-- midi.lua - the MIDI test show (tests/integration/midi_*.sh,
-- bench/midi_latency.sh). Eight dimmers on universe 1 (slots 1..8), sACN
-- unicast to 127.0.0.1, MIDI on a JACK server (the tests start one).
--   "Main": cue 1 "Warm" dim 1 at 0.2 (slot 1 = 51), cue 2 "Storm" 1.0 (255),
--           cue 3 "Calm" 0.5 (128) and sends MIDI, cue 4 "Slow" to 0 in 30 s
--   "Fx":   cue 1 dim 4 at 1.0 (slot 4 = 255)
--   "Base": dims 5 and 6 at full, started at load, under faders 1 and 2
--   "Song": on MTC: dim 7 at 0.4 from 01:00:00:00 (slot 7 = 102), at full
--           from 01:00:01:00 (255)
-- The wing is the JACK client midi-peer (tests/tools/midi_peer.c), found by
-- name; a desk sending MSC and MTC connects to our virtual port
-- ghostlight:in. Feedback, MIDI cues and MTC out go to midi-peer-in:in.

show { name = "MIDI test", rate = 44 }

output { "sacn", type = "sacn", universes = {1}, unicast = "127.0.0.1", priority = 100 }

midi { api = "jack", input = "midi-peer:out", output = "midi-peer-in:in", virtual = true,
       msc_id = 1, msc_group = 2, touch_hold = 0.5, retry_max = 2, mtc_freewheel = 1,
       mtc_out = "off" }

patch { "dim", type = "generic/dimmer", universe = 1, address = 1, count = 8 }

fader(1, { group = "dim 5", label = "Dim 5" })
fader(2, { group = "dim 6", label = "Dim 6" })

cuelist "Main" {
  cue { 1, "Warm",  look = { ["dim 1"] = { intensity = 0.2 } } },
  cue { 2, "Storm", look = { ["dim 1"] = { intensity = 1.0 } } },
  cue { 3, "Calm",  look = { ["dim 1"] = { intensity = 0.5 } },
        midi = { { note = 100, velocity = 99, channel = 2 },
                 { cc = 21, value = 7, channel = 16 },
                 { pc = 9 },
                 { sysex = "F0 7D 01 02 03 F7" },
                 { msc = "go", cue = "12.5", list = 3, id = 0x10, format = "sound" } } },
  cue { 4, "Slow",  fade = 30, look = { ["dim 1"] = { intensity = 0 } } },
}

cuelist "Fx" {
  cue { 1, "Flash", look = { ["dim 4"] = { intensity = 1.0 } } },
}

cuelist "Base" {
  cue { 1, "Up", look = { ["dim 5"] = { intensity = 1.0 }, ["dim 6"] = { intensity = 1.0 } } },
}
go("Base")

cuelist "Song" { timecode = "mtc", freewheel = 0.5,
  cue { 1, "Intro", at = "01:00:00:00", look = { ["dim 7"] = { intensity = 0.4 } } },
  cue { 2, "Verse", at = "01:00:01:00", look = { ["dim 7"] = { intensity = 1.0 } } },
}

-- the wing
midi.map { note = 60, channel = 1, go = "Main" }
midi.map { note = 61, channel = 1, back = "Main" }
midi.map { note = 64, channel = 1, go = { "Main", 1 }, alt = 5 }
midi.map { note = 65, channel = 1, go = { "Main", 2 }, alt = 5 }
midi.map { note = 70, channel = 1, blackout = true }
midi.map { cc = 1, channel = 1, fader = 1, pickup = true }
midi.map { cc = 2, channel = 1, fader = 2, motor = true }
midi.map { cc = 3, channel = 1, gm = true, pickup = true }
midi.map { cc = 4, channel = 1, attr = { 8, "intensity" } }
midi.map { fire = 5, blackout = true, latch = true }
midi.map { note = 72, channel = 1, call = function(value, channel, number, kind)
  log(string.format("midi %s %d ch %d at %.2f", kind, number, channel, value))
  midi.send { cc = 20, value = math.floor(value * 127 + 0.5) }
end }
