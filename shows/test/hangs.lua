-- hangs.lua - a test show for tests/test_show.c: handlers that each once
-- hung the control thread inside one C library call (the count hook sees
-- only VM instructions) and are now stopped by the budget their work is
-- charged to, or by the handler's time limit; one that now returns at
-- once. The test relies on the line numbers of the handlers below.
show { name = "Hangs" }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Main" { cue { 1, "One", look = { a = { intensity = 1 } } } }
local a = ("a"):rep(2e5)
on_cue("Main", 1, function() a:find(".-.-.-.-.-.-b") end)                  -- line 10
on_cue("Main", 1, function() a:match("a*a*a*a*a*a*a*b") end)               -- line 11
on_cue("Main", 1, function() a:find(".-b") end)                            -- line 12
on_cue("Main", 1, function() a:gsub(".-b", "") end)                        -- line 13
on_cue("Main", 1, function() for _ in a:gmatch("a-b") do end end)          -- line 14
on_cue("Main", 1, function() table.move({}, 1, 1e15, 1, {}) end)           -- line 15
on_cue("Main", 1, function() local t = {} for i = 1, 3e5 do table.insert(t, 1, i) end end)
on_cue("Main", 1, function() local t = {} for i = 1, 3e5 do t[i] = i end for i = 1, 3e5 do table.remove(t, 1) end end)
on_cue("Main", 1, function() table.concat(setmetatable({}, { __index = table.concat }), "", 1, 1e15) end)
on_cue("Main", 1, function() for i = 1, 1e9 do table.unpack({}, 1, 5e5) end end)  -- line 19
on_cue("Main", 1, function() for i = 1, 1e9 do string.rep("x", 1e6) end end)
on_cue("Main", 1, function() local s = ("a"):rep(1e5) for i = 1, 1e9 do s:upper() end end)
on_cue("Main", 1, function() local s = ("a"):rep(1e5) for i = 1, 1e9 do s:byte(1, -1) end end)
on_cue("Main", 1, function() local t = {} for i = 1, 1e5 do t[i] = i end for i = 1, 1e9 do table.sort(t) end end)
on_cue("Main", 1, function() local s = ("\u{100}"):rep(1e5) for i = 1, 1e9 do utf8.len(s) end end) -- 24
on_cue("Main", 1, function() log("rep", #string.rep("", math.maxinteger)) end)  -- line 25
-- a VM instruction the budget cannot weigh (a 10 MB concatenation): the
-- watchdog stops it after the handler's second
on_cue("Main", 1, function() local s = ("x"):rep(1e7) for i = 1, 1e9 do local t = s .. "y" end end)  -- 28
on_cue("Main", 1, function() log("still running") end)
