-- checks: load() refuses a binary chunk (even if its result is ignored). expect line 5: binary chunks are not allowed
show { name = "Binary chunk" }
output { "o", type = "sacn", universes = {1} }
local code = string.dump(function() return 1 end)
local f = load(code)
