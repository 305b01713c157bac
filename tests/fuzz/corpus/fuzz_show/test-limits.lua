-- limits.lua - a test show for tests/test_show.c: handlers, reached as
-- on_osc messages, that push the run-time limits (engine commands, OSC
-- messages and log lines per handler call, timers made per second, the
-- engine's command queue), an on_osc handler that adds handlers while it
-- runs, and timers that must run in due order and be cancelled by id.
-- The test relies on the line numbers below.
show { name = "Limits" }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Main" { cue { 1, look = { a = { intensity = 1 } } } }

on_osc("/t/commands", function(_, n) for i = 1, n do go("Main") end end)     -- line 11
on_osc("/t/log", function(_, n) for i = 1, n do log("line", i) end end)
on_osc("/t/timers", function(_, n) for i = 1, n do after(100, function() end) end end) -- line 13
on_osc("/t/grow", function()                                                 -- line 14
  for i = 1, 40 do on_osc("/t/grown/" .. i, function() end) end
  error("grew")
end)
on_osc("/t/send", function(_, n) for i = 1, n do osc.send("osc.udp://127.0.0.1:9", "/x", i) end end) -- line 18

-- 2000 timers made in reverse order of their due times: they must run
-- earliest first, each once, then `order` reports.
local last, ran, disorder = -1, 0, 0
for i = 2000, 1, -1 do
  after(i / 1000, function()
    if i < last then disorder = disorder + 1 end
    last, ran = i, ran + 1
  end)
end
after(5, function() log("ordered", ran, disorder) end)
after(6, function() for i = 1, 1001 do after(100, function() end) end end)

-- ids: a cancelled timer's id stays dead when its slot is reused
local dead = after(1000, function() end)
assert(cancel(dead) and not cancel(dead))
local reused = after(1000, function() end)
assert(reused ~= dead and not cancel(dead) and cancel(reused))
every(7, function() log("every 7") end)
