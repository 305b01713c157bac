-- checks: timers waiting at once are capped (300k after() made the host sort for minutes). expect line 5: after: at most 10000 timers may wait at once
show { name = "Too many timers" }
output { "o", type = "sacn", universes = {1} }
local f = function() end
for i = 1, 300000 do after(300001 - i, f) end
