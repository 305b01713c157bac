-- handlers.lua - a test show for tests/test_show.c: handlers that misbehave
-- (a runaway loop, an error, a memory bomb, a bad cuelist name, a patch at
-- run time) beside ones that work, timers, and require from the show's
-- folder. It has no output on purpose: `ghostlight check` warns about it.
-- The test relies on the line numbers of the handlers below.
local util = require "lib.util"

show { name = "Handlers", rate = 50 }
patch { "a", type = "generic/dimmer", universe = 3, address = 1, count = 2 }
cuelist "Main" {
  cue { 1, "One", look = { a = { intensity = util.half } } },
  cue { 2, "Two", look = { a = { intensity = util.clamp(2, 0, 1) } } },
}
fired = 0
on_cue("Main", 1, function() while true do end end)                          -- line 15
on_cue("Main", 1, function(list, cue) fired = fired + 1; log("fired", list, cue, fired) end)
on_cue("Main", nil, function(list, cue) if cue == 2 then error("boom at two") end end)
on_cue("Main", 2, function() local s = string.rep("x", 1 << 30) end)          -- line 18
on_cue("Main", 2, function() go("Nope") end)                                  -- line 19
on_cue("Main", 2, function() patch { "b", type = "generic/dimmer", universe = 3, address = 9 } end)

after(3, function() log("after 3") end)
local tens = 0
ten = every(10, function() tens = tens + 1; log("every 10", tens) end)

print("handlers.lua loaded")
go("Main")
