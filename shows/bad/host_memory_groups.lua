-- checks: what the host copies for declarations counts against the memory limit: each group copies its 30000 selections (2.8 MiB), the Lua side shares one list. expect line 7: memory limit exceeded (512 MiB)
show { name = "Host memory" }
output { "o", type = "sacn", universes = {1} }
local selections = {}
for i = 1, 30000 do selections[i] = "selection " .. i end
for g = 1, 1000 do
  group("g" .. g, selections)
end
