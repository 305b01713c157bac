-- escapes.lua - a test show for tests/test_show.c whose names and texts
-- carry terminal escapes and newlines: `ghostlight check`, log() and
-- handler errors must print them escaped. The test relies on line 11.
show { name = "Escapes" }
output { "o", type = "sacn", universes = {1} }
patch { "\27[31mred", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Main\27]0;title\7" {
  cue { 1, "one\nforged line", look = { ["\27[31mred"] = { intensity = 1 } } },
}
on_cue("Main\27]0;title\7", 1, function() log("\27[2J", "two\nlines") end)
on_cue("Main\27]0;title\7", 1, function() error("\27[H\r\u{202e}gnp.exe") end)   -- line 11
