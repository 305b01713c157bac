-- checks: a cue's osc list whose message reads `to` through __index (and empties the list while it is read) is read raw: no script runs mid-declaration, so the list cannot change under the parser. expect line 14: cue 1: osc: to = "osc.udp://host:port" (or osc.tcp://) is needed
show { name = "OSC list shrinks" }
output { "o", type = "sacn", universes = {1}, unicast = "127.0.0.1" }
patch { "d", type = "generic/dimmer", universe = 1, address = 1 }
local msgs = {}
local evil = setmetatable({ "/c" }, { __index = function(t, k)
  if k == "to" then
    for i = #msgs, 2, -1 do msgs[i] = nil end
    return "osc.udp://127.0.0.1:9000"
  end
end })
for i = 1, 40 do msgs[i] = { "/m", i, "text", to = "osc.udp://127.0.0.1:9000" } end
msgs[41] = evil
cuelist "Main" { cue { 1, look = { d = { intensity = 1 } }, osc = msgs } }
