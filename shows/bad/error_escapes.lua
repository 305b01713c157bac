-- checks: control characters in an error are escaped, so it cannot clear the terminal or forge a line. expect line 4: \x1b[2J\x1b[H\nforged.lua:1: all good
show { name = "Escapes" }
output { "o", type = "sacn", universes = {1} }
error("\27[2J\27[H\nforged.lua:1: all good")
