-- checks: a build error quoting a name from the show escapes its control characters. expect line 5: group "\x1b[2Jwash\nfake": unknown selection "nope"
show { name = "Escaped names" }
output { "o", type = "sacn", universes = {1} }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
group("\27[2Jwash\nfake", { "nope" })
