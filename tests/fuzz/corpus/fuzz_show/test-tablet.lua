-- tablet.lua - the show the tablet-layout replay test plays
-- (tests/integration/layout_replay.sh): eight RGBW pars with a dimmer, one
-- fader each (labels "Par 1".."Par 8"), a cue list whose cues fade for a
-- second so the fade progress moves. No osc {} block: the layouts meet the
-- OSC adapter every show gets by default (the test adds one for its idle
-- phase). sACN unicast to 127.0.0.1.

show { name = "Tablet test", rate = 44 }

output { "sacn", type = "sacn", universes = {1}, unicast = "127.0.0.1" }

patch { "par", type = "generic/rgbw-dimmer", universe = 1, address = 1, count = 8 }

for i = 1, 8 do
  fader(i, { group = "par " .. i, label = "Par " .. i })
end

cuelist "Main" {
  cue { 1, "Warm", fade = 1, look = { par = { intensity = 0.6, color = "#ffb070" } } },
  cue { 2, "Blue", fade = 1, look = { par = { color = "#2040ff" } } },
  cue { 3, "Out",  fade = 1, look = { par = { intensity = 0 } } },
}
