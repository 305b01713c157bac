-- checks: what the engine allocates at build counts too: 10000 cues each changing another of 8192 fixtures make 8192 x 10000 tracked values (312 MiB) in one list. expect line 12: cuelist "Main": memory limit exceeded (256 MiB): 10000 cues tracking 8192 values
show { name = "Engine memory" }
output { "o", type = "sacn", universes = {1} }
for u = 1, 16 do
  patch { "d" .. u, type = "generic/dimmer", universe = u, address = 1, count = 512 }
end
local cues = {}
for i = 1, 10000 do
  local f = (i - 1) % 8192
  cues[i] = cue { i, look = { [("d%d %d"):format(f // 512 + 1, f % 512 + 1)] = { intensity = 1 } } }
end
cuelist "Main" (cues)
