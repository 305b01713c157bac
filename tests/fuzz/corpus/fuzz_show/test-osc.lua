-- osc.lua - the OSC remote-control test show (tests/integration/osc_remote.sh,
-- bench/osc_latency.sh). Eight dimmers on universe 1 (slots 1..8), one fader
-- per dimmer, a manual cue list whose cues put known levels on slot 1:
--   cue 1 "Warm"  dim 1 at 0.2  (slot 1 = 51)
--   cue 2 "Storm" dim 1 at 1.0  (slot 1 = 255)
--   cue 3 "Calm"  dim 1 at 0.5  (slot 1 = 128), and sends /video/play 3 "calm"
--                 to osc.udp://127.0.0.1:9105 when it fires
-- Nothing runs until a remote says GO. sACN unicast to 127.0.0.1.

show { name = "OSC test", rate = 44 }

output { "sacn", type = "sacn", universes = {1}, unicast = "127.0.0.1", priority = 100 }

osc { port = 7700, allow = {"127.0.0.0/8"}, remotes = {"osc.udp://127.0.0.1:9103"},
      heartbeat = 0.5, timeout = 3 }

patch { "dim", type = "generic/dimmer", universe = 1, address = 1, count = 8 }

for i = 1, 8 do
  fader(i, { group = "dim " .. i, label = "Dim " .. i })
end

cuelist "Main" {
  cue { 1, "Warm",  look = { ["dim 1"] = { intensity = 0.2 } } },
  cue { 2, "Storm", look = { ["dim 1"] = { intensity = 1.0 } } },
  cue { 3, "Calm",  look = { ["dim 1"] = { intensity = 0.5 } },
        osc = { "/video/play", 3, "calm", to = "osc.udp://127.0.0.1:9105" } },
}

-- A show-level OSC trigger outside /gl: runs here, on the control thread.
on_osc("/house/lights", function(address, level)
  log("house lights " .. tostring(level))
  osc.send("osc.udp://127.0.0.1:9105", "/house/ack", level)
end)
