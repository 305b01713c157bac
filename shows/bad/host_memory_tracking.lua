-- checks: what the engine allocates at build counts too: 10000 cues each changing two more of 16384 fixtures make 16384 x 10000 tracked values (625 MiB) in one list. expect line 13: cuelist "Main": memory limit exceeded (512 MiB): 10000 cues tracking 16384 values
show { name = "Engine memory" }
output { "o", type = "sacn", universes = {1} }
for u = 1, 32 do
  patch { "d" .. u, type = "generic/dimmer", universe = u, address = 1, count = 512 }
end
local function dimmer(f) return ("d%d %d"):format(f // 512 + 1, f % 512 + 1) end
local cues = {}
for i = 1, 10000 do
  local f = (2 * (i - 1)) % 16384
  cues[i] = cue { i, look = { [dimmer(f)] = { intensity = 1 }, [dimmer(f + 1)] = { intensity = 1 } } }
end
cuelist "Main" (cues)
