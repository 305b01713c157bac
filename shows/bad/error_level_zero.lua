-- checks: an error raised without a position (level 0) still names the line. expect line 4: no position given
show { name = "error(msg, 0)" }
output { "o", type = "sacn", universes = {1} }
error("no position given", 0)
